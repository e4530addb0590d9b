// s3://bucket/key reads (issue 21, the read side), against a real S3 API on
// loopback (s3rver): the commands and the library give for an object what they
// give for the same local file, and the failures are one clear line that shows
// no key and no signature.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { ImageRecordIter } from '../../src/iter/image-record-iter.js';
import { isOneLineError, runBinAsync } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { SECRET, startS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';
import { buildIndex } from '../../src/tools/build-index.js';

const s3 = await startS3(['datasets']);
// The same .rec and .idx here and in the bucket.
const local = tempDir('mxrec-s3-local-');
const rec = path.join(local, 'val.rec');
const idx = path.join(local, 'val.idx');
fs.copyFileSync(fixture('gray-glyphs/val.rec'), rec);
await buildIndex(rec, idx);
await s3.put('datasets', 'glyphs/val.rec', fs.readFileSync(rec));
await s3.put('datasets', 'glyphs/val.idx', fs.readFileSync(idx));
const remote = 's3://datasets/glyphs/val.rec';

async function payloads(location: string): Promise<string[]> {
  const reader = await RecordReader.openAsync(location);
  const out: string[] = [];
  for await (const r of reader.scan()) out.push(Buffer.from(r.payload).toString('base64'));
  reader.close();
  return out;
}

async function batches(pathImgrec: string, pathImgidx: string): Promise<string[]> {
  const it = await ImageRecordIter.open({ pathImgrec, pathImgidx, dataShape: [1, 28, 28], batchSize: 32, shuffle: true, seed: 3, dtype: 'uint8' });
  const out: string[] = [];
  for await (const b of it) out.push(`${b.index.join(',')}:${Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).toString('base64').slice(0, 64)}`);
  it.close();
  return out;
}

describe('reading s3:// objects', () => {
  test('RecordReader, RecordIndex and ImageRecordIter read an object as they read the file', async () => {
    assert.deepEqual(await payloads(remote), await payloads(rec));
    assert.equal((await RecordIndex.read('s3://datasets/glyphs/val.idx')).toString(), RecordIndex.readSync(idx).toString());
    assert.deepEqual(await batches(remote, 's3://datasets/glyphs/val.idx'), await batches(rec, idx));
  });

  test('rec info, dump and verify print for the object what they print for the file', async () => {
    const env = s3.env;
    for (const args of [['info', '--json'], ['dump'], ['verify']]) {
      const [command, ...rest] = args as [string, ...string[]];
      const there = await runBinAsync('rec', [command, remote, ...rest], { env });
      const here = await runBinAsync('rec', [command, rec, ...rest], { env });
      assert.equal(there.status, 0, there.stderr);
      const norm = (text: string, name: string) => text.split(name).join('FILE').replace(/"bytes":\d+/, '');
      assert.equal(norm(there.stdout, remote).replace(/s3:\/\/datasets\/glyphs\/val\.idx/g, 'INDEX'), norm(here.stdout, rec).replace(new RegExp(idx.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'), 'INDEX'), command);
    }
  });

  test('a missing bucket or key, and wrong credentials: exit 2, one line naming the object, no secret shown', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['s3://no-such-bucket/val.rec', {}, /^rec info: s3:\/\/no-such-bucket\/val\.rec: not found \(HTTP 404\): no such bucket, or no object of that key in it\n$/],
      ['s3://datasets/glyphs/missing.rec', {}, /^rec info: s3:\/\/datasets\/glyphs\/missing\.rec: not found \(HTTP 404\)/],
      [remote, { AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: 'ALSO-WRONG' }, /^rec info: s3:\/\/datasets\/glyphs\/val\.rec: access denied \(HTTP 403\): check the credentials/],
      [remote, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' }, /^rec info: s3:\/\/datasets\/glyphs\/val\.rec: no AWS credentials found/],
    ];
    for (const [location, extra, expected] of cases) {
      const res = await runBinAsync('rec', ['info', location], { env: { ...s3.env, ...extra } });
      assert.equal(res.status, 2, `${location}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, expected);
      assert.doesNotMatch(res.stderr + res.stdout, /X-Amz-|Signature|S3RVER|ALSO-WRONG/);
      assert.ok(!(res.stderr + res.stdout).includes(SECRET));
    }
  });

  test('an object replaced while it is read is an error, never a mix of the two', async () => {
    const key = 'glyphs/changing.rec';
    await s3.put('datasets', key, fs.readFileSync(rec));
    const reader = await RecordReader.openAsync(`s3://datasets/${key}`);
    const scan = reader.scan({ bufferSize: 4096, readAhead: 1 })[Symbol.asyncIterator]();
    assert.equal((await scan.next()).done, false);
    const other = Buffer.from(fs.readFileSync(rec));
    other[other.length - 1] = other[other.length - 1]! ^ 0xff; // same size, other bytes: a new ETag
    await s3.put('datasets', key, other);
    await assert.rejects(
      (async () => {
        for (let r = await scan.next(); !r.done; r = await scan.next());
      })(),
      /s3:\/\/datasets\/glyphs\/changing\.rec: the file changed on the server while it was being read \(its ETag went from/,
    );
    reader.close();
  });
});

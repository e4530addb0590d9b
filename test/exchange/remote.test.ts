// rec export and rec import over the network (issue 30): s3:// on both
// sides against s3rver, and an http(s):// source, making the bytes a local
// run makes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runBinAsync } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { serveDir } from '../helpers/http-server.js';
import { startS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

const s3 = await startS3(['data']);
const dir = tempDir('mxrec-exchange-remote-');
const rec = fixture('readtome/validation.rec');
const idx = fixture('readtome/validation.idx');
await s3.put('data', 'in/v.rec', fs.readFileSync(rec));
await s3.put('data', 'in/v.idx', fs.readFileSync(idx));

async function ok(args: string[]): Promise<void> {
  const res = await runBinAsync('rec', [...args, '-q'], { env: s3.env });
  assert.equal(res.status, 0, `rec ${args.join(' ')}: ${res.stderr}`);
}

describe('export and import across stores', () => {
  test('s3:// to s3:// in two parts, then back to s3://: shards as a local export writes them, the .rec and .idx byte for byte', async () => {
    const local = path.join(dir, 'local');
    await ok(['export', rec, '--to', 'webdataset', '-o', local, '--shard-size', '200k']);
    for (const part of ['0', '1']) await ok(['export', 's3://data/in/v.rec', '--to', 'webdataset', '-o', 's3://data/wds/v', '--shard-size', '200k', '--parts', '2', '--part', part]);
    const keys = await s3.keys('data', 'wds/');
    const shards = keys.filter((k) => k.endsWith('.tar'));
    assert.equal(shards.length, fs.readdirSync(dir).filter((n) => n.startsWith('local-') && n.endsWith('.tar')).length);
    for (const key of shards) {
      const object = await s3.get('data', key);
      assert.ok(object!.equals(fs.readFileSync(path.join(dir, key.replace('wds/v', 'local')))), `${key} differs from the local shard`);
    }
    assert.ok(keys.includes('wds/v.manifest.json') && keys.includes('wds/v.wids.json'));
    await ok(['verify', 's3://data/wds/v.manifest.json']);
    await ok(['import', 's3://data/wds/v.wids.json', '-o', 's3://data/back/v.rec']);
    assert.ok((await s3.get('data', 'back/v.rec'))!.equals(fs.readFileSync(rec)));
    assert.ok((await s3.get('data', 'back/v.idx'))!.equals(fs.readFileSync(idx)));
    // A prefix in a bucket names its shards too.
    await ok(['import', 's3://data/wds/v', '-o', path.join(dir, 'from-prefix.rec')]);
    assert.ok(fs.readFileSync(path.join(dir, 'from-prefix.rec')).equals(fs.readFileSync(rec)));
  });

  test('an http:// source exports, and http:// shards import', async () => {
    const served = path.join(dir, 'served');
    fs.mkdirSync(served);
    fs.copyFileSync(rec, path.join(served, 'v.rec'));
    fs.copyFileSync(idx, path.join(served, 'v.idx'));
    const server = await serveDir(served);
    try {
      await ok(['export', `${server.url}/v.rec`, '--to', 'webdataset', '-o', path.join(served, 'w'), '--shard-size', '300k']);
      await ok(['import', `${server.url}/w.manifest.json`, '-o', path.join(dir, 'http-back.rec')]);
      assert.ok(fs.readFileSync(path.join(dir, 'http-back.rec')).equals(fs.readFileSync(rec)));
      assert.ok(fs.readFileSync(path.join(dir, 'http-back.idx')).equals(fs.readFileSync(idx)));
    } finally {
      await server.close();
    }
  });
});

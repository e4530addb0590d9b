// A store with a real store's latency and per-connection rate (issue 33):
// the proxy holds each answer's first byte and paces each connection, and
// what the commands do with a bucket still holds through it: a pack with its
// list, images and output in the bucket, a read, a merge.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { buildIndex } from '../../src/tools/build-index.js';
import { runBinAsync } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { fixture } from '../helpers/fixtures.js';
import { type LatencyProxy, type LatencyProxyOptions, startLatencyProxy } from '../helpers/latency-proxy.js';
import { KEY_ID, SECRET, startS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

const s3 = await startS3(['data']);
const dir = tempDir('mxrec-latency-');

function clientOf(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } });
}

/** A latency proxy in front of the test server, stopped when the test file ends, with the environment that points a command at it. */
async function proxied(options: LatencyProxyOptions): Promise<{ proxy: LatencyProxy; env: Record<string, string> }> {
  const proxy = await startLatencyProxy(s3.endpoint, options);
  after(() => proxy.close());
  return { proxy, env: { ...s3.env, AWS_ENDPOINT_URL_S3: proxy.endpoint } };
}

/** A .rec of `count` records of `bytes` bytes each. */
function recordsOf(count: number, bytes: number): Buffer {
  const writer = RecordWriter.inMemory();
  for (let i = 0; i < count; i++) writer.write(packImageRecord({ label: i, id: i }, Buffer.alloc(bytes, i)));
  return writer.toBuffer();
}

describe('the latency proxy', () => {
  test('the iterator through an .idx keeps more reads in flight while it waits for them: more than its first 16', async () => {
    const { proxy, env } = await proxied({ latencyMs: 30 });
    const rec = path.join(dir, 'iter.rec');
    fs.copyFileSync(fixture('gray-glyphs/val.rec'), rec);
    await buildIndex(rec, path.join(dir, 'iter.idx'));
    await s3.put('data', 'iter/val.rec', fs.readFileSync(rec));
    await s3.put('data', 'iter/val.idx', fs.readFileSync(path.join(dir, 'iter.idx')));
    const res = await runBinAsync('rec', ['iter', 's3://data/iter/val.rec', '--data-shape', '1,28,28', '--batch-size', '50', '--shuffle', '--epochs', '1'], { env });
    assert.equal(res.status, 0, res.stderr);
    assert.ok(proxy.mostInFlight() > 16, `at most ${proxy.mostInFlight()} requests in flight`);
  });

  test('each answer waits its latency, each connection its rate, both ways; the bytes are the object', async () => {
    const { proxy } = await proxied({ latencyMs: 80, bytesPerSec: 8e6 });
    const client = clientOf(proxy.endpoint);
    after(() => client.destroy());
    const body = Buffer.alloc(4e6, 7);
    body.write('the start');
    let started = performance.now();
    await client.send(new PutObjectCommand({ Bucket: 'data', Key: 'slow/four-mb', Body: body }));
    const put = performance.now() - started;
    // The latency counts from the request's last byte into the proxy, a little before it has been paced out.
    assert.ok(put >= 500, `PUT of 4 MB at 8 MB/s: ${put.toFixed(0)} ms`);
    started = performance.now();
    const res = await client.send(new GetObjectCommand({ Bucket: 'data', Key: 'slow/four-mb' }));
    const firstByte = performance.now() - started;
    const got = Buffer.from(await res.Body!.transformToByteArray());
    const whole = performance.now() - started;
    assert.ok(firstByte >= 80, `first byte after ${firstByte.toFixed(0)} ms`);
    assert.ok(whole >= 500, `GET of 4 MB at 8 MB/s: ${whole.toFixed(0)} ms`);
    assert.ok(got.equals(body));
    // Small requests wait their latency alone, and run side by side.
    started = performance.now();
    await Promise.all(Array.from({ length: 8 }, () => client.send(new GetObjectCommand({ Bucket: 'data', Key: 'slow/four-mb', Range: 'bytes=0-8' })).then((r) => r.Body!.transformToString())));
    const eight = performance.now() - started;
    assert.ok(eight >= 80, `8 small GETs at once: ${eight.toFixed(0)} ms`);
    assert.ok(proxy.mostInFlight('GET') >= 4, `at most ${proxy.mostInFlight('GET')} in flight`);
  });

  test('a scan keeps 16 range requests in flight, to cover the latency', async () => {
    const { proxy, env } = await proxied({ latencyMs: 30 });
    // 80 MB of records of 1 MB: twenty 4 MiB reads.
    await s3.put('data', 'scan/big.rec', recordsOf(80, 1e6));
    const res = await runBinAsync('rec', ['info', 's3://data/scan/big.rec', '--json'], { env });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).records, 80);
    assert.ok(proxy.mostInFlight() >= 16, `at most ${proxy.mostInFlight()} requests in flight`);
  });

  test('records of a few blocks are gathered from the reads in flight: each byte fetched about once', async () => {
    const { proxy, env } = await proxied({ latencyMs: 5 });
    // 20 records of 6 MB: each longer than a 4 MiB read, shorter than REMOTE_LONG_READ.
    const bytes = recordsOf(20, 6e6);
    await s3.put('data', 'scan/six-mb.rec', bytes);
    const res = await runBinAsync('rec', ['info', 's3://data/scan/six-mb.rec', '--json'], { env });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).records, 20);
    // About one 4 MiB range per 4 MiB of the object, and a few more requests (its size, the .idx it looks for).
    assert.ok(proxy.requests <= bytes.length / (4 << 20) + 8, `${proxy.requests} requests for ${bytes.length} bytes`);
  });

  test("an upload keeps 4 parts in flight: a store's latency paid once per four parts", async () => {
    const { proxy, env } = await proxied({ latencyMs: 30 });
    // 80 MB of records to shuffle into the bucket: ten 8 MiB parts.
    const rec = recordsOf(80, 1e6);
    fs.writeFileSync(path.join(dir, 'up.rec'), rec);
    const res = await runBinAsync('rec', ['shuffle', path.join(dir, 'up.rec'), '-o', 's3://data/up/shuffled.rec', '--seed', '1'], { env });
    assert.equal(res.status, 0, res.stderr);
    assert.equal((await s3.get('data', 'up/shuffled.rec'))!.length, rec.length);
    assert.equal(proxy.mostInFlight('PUT'), 4);
  });

  test('a pack with its list, images and output in the bucket, a read and a merge give through it the bytes they give without', async () => {
    const { proxy, env: slow } = await proxied({ latencyMs: 20 });
    const corpus = await makeCorpus({ count: 12 });
    const files = fs.readdirSync(corpus, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const f of files) {
      const rel = path.relative(corpus, path.join(f.parentPath, f.name));
      await s3.put('data', `images/${rel.split(path.sep).join('/')}`, fs.readFileSync(path.join(corpus, rel)));
    }
    const run = async (args: string[], env = slow) => {
      const res = await runBinAsync(args[0] === 'im2rec' ? 'im2rec' : 'rec', args.slice(1), { env });
      assert.equal(res.status, 0, `${args.join(' ')}: ${res.stderr}`);
      return res.stdout;
    };
    await run(['im2rec', path.join(dir, 'local'), corpus, '--list', '--recursive', '-q']);
    await s3.put('data', 'lists/train.lst', fs.readFileSync(path.join(dir, 'local.lst')));
    await run(['im2rec', 's3://data/lists/train', 's3://data/images', '--resize', '40', '-q']);
    await run(['im2rec', path.join(dir, 'local'), corpus, '--resize', '40', '-q'], s3.env);
    for (const ext of ['rec', 'idx']) assert.ok((await s3.get('data', `lists/train.${ext}`))!.equals(fs.readFileSync(path.join(dir, `local.${ext}`))), ext);
    assert.equal(await run(['rec', 'info', 's3://data/lists/train.rec', '--json']).then((out) => JSON.parse(out).records), files.length);
    await run(['rec', 'merge', '-o', 's3://data/lists/twice.rec', 's3://data/lists/train.rec', 's3://data/lists/train.rec', '--renumber']);
    await run(['rec', 'merge', '-o', path.join(dir, 'twice.rec'), path.join(dir, 'local.rec'), path.join(dir, 'local.rec'), '--renumber'], s3.env);
    for (const ext of ['rec', 'idx']) assert.ok((await s3.get('data', `lists/twice.${ext}`))!.equals(fs.readFileSync(path.join(dir, `twice.${ext}`))), `merge ${ext}`);
    assert.ok(proxy.requests > files.length, `${proxy.requests} requests through the proxy`);
  });
});

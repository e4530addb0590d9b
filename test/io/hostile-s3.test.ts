// A hostile or broken S3 listing, hostile key names and hostile s3:// locations
// (issue 34, items 1, 2, 3 and 8): a listed name stays a name under ROOT or is
// skipped and reported; a listing is bounded in pages, page bytes and memory,
// and a token handed out twice ends it; credentials written into an s3://
// location are refused and never printed; lines and keys have ceilings, and
// messages quote them short.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isOneLineError, runBinAsync, runBinMeasured } from '../helpers/cli.js';
import { makeJpeg } from '../helpers/images.js';
import { startS3 } from '../helpers/s3.js';
import { type Listing, listingRule, startS3Proxy } from '../helpers/s3-proxy.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-hostile-s3-');
const jpeg = await makeJpeg(32, 24);
const s3 = await startS3(['data']);
await s3.put('data', 'imgs/cat/a.jpg', jpeg);
await s3.put('data', 'imgs/dog/ok.jpg', jpeg);

/** The store as a hostile one lists it: the test server behind a proxy whose listings are `listing`. */
async function hostile(listing: Listing) {
  const proxy = await startS3Proxy(s3);
  const rule = listingRule(listing);
  proxy.rule = rule;
  return {
    env: proxy.env,
    get pages() {
      return rule.pages;
    },
    /** The objects asked for (GET or HEAD), as bucket/key. */
    requested: () => proxy.log.filter((line) => /^(GET|HEAD) data\/[^?]/.test(line)).map((line) => line.split(' ')[1]!.replace(/\?.*/, '')),
  };
}

describe('names from a bucket listing are data', () => {
  test('keys a list line cannot hold as the same name under ROOT are skipped and reported; the rest are listed', async () => {
    const keys = [
      'imgs/cat/a.jpg',
      'imgs/cat/a\n99\t7.000000\tinjected.jpg', // a line break and tabs: another record
      'imgs/cat/cr\rsplit.jpg',
      'imgs/do\tg/b.jpg', // a tab in a folder name would corrupt the label map
      'imgs/s3://other/secret.jpg', // would be read as another bucket's object
      'imgs/http://127.0.0.1:9/x.jpg', // ... or as a request to any host
      'imgs//etc/probe-secret.jpg', // would be an absolute path in the list
      'imgs/../escape.jpg', // outside the prefix
      'imgs/ lead.jpg', // trimmed by list readers: another name
      'imgs/dog/',
      'imgs/dog/ok.jpg',
    ];
    const store = await hostile({ kind: 'keys', keys });
    const prefix = path.join(dir, 'names', 'x');
    const res = await runBinAsync('im2rec', [prefix, 's3://data/imgs/', '--list', '--recursive', '--no-shuffle'], { env: store.env });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(fs.readFileSync(`${prefix}.lst`, 'utf8'), '0\t0.000000\tcat/a.jpg\n1\t1.000000\tdog/ok.jpg\n');
    assert.equal(fs.readFileSync(`${prefix}.labels.txt`, 'utf8'), 'cat\t0\ndog\t1\n');
    assert.match(res.stderr, /skipped 8 names a list line cannot hold as they are: "cat\/a\\n99\\t7\.000000\\tinjected\.jpg" holds a control character/);
    assert.equal(res.stderr.split('\n').filter((l) => l.includes('skipped')).length, 1, 'one line for all of them');

    // The pack of that list reads the two names under ROOT, and nothing else.
    const packed = await runBinAsync('im2rec', [prefix, 's3://data/imgs/', '--pass-through', '-q'], { env: store.env });
    assert.equal(packed.status, 0, packed.stderr);
    assert.deepEqual(store.requested().sort(), ['data/imgs/cat/a.jpg', 'data/imgs/dog/ok.jpg']);
  });

  test('a listing with a key outside the prefix asked for is no S3 listing: one line, exit 2, no list', async () => {
    const store = await hostile({ kind: 'keys', keys: ['imgs/a.jpg', 'zzzzzzzzz/outside.jpg'] });
    const prefix = path.join(dir, 'outside', 'x');
    const res = await runBinAsync('im2rec', [prefix, 's3://data/imgs/', '--list', '--recursive'], { env: store.env });
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /s3:\/\/data\/imgs\/: the listing holds a key outside the prefix asked for: "zzzzzzzzz\/outside\.jpg"/);
    assert.deepEqual(fs.readdirSync(path.dirname(prefix)), [], 'no list, no lock left');
  });

  test('a list packed under a bucket or URL ROOT names images under it: a URL, an absolute path or ".." is refused before any request', async () => {
    const store = await hostile({ kind: 'keys', keys: [] });
    for (const bad of ['s3://other/secret.jpg', `${s3.endpoint}/data/x.jpg`, '/etc/probe-secret.jpg', '../escape.jpg', 'a//b.jpg', './a.jpg']) {
      const prefix = path.join(dir, 'under-root', `p${bad.length}`);
      fs.mkdirSync(path.dirname(prefix), { recursive: true });
      fs.writeFileSync(`${prefix}.lst`, `0\t0.000000\tcat/a.jpg\n1\t0.000000\t${bad}\n`);
      const res = await runBinAsync('im2rec', [prefix, 's3://data/imgs/', '-q'], { env: store.env });
      assert.equal(res.status, 1, `${bad}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.ok(res.stderr.includes(`p${bad.length}.lst:2: expected an image path under ROOT`) && res.stderr.includes(`received ${JSON.stringify(bad)}: it `), res.stderr);
      assert.ok(!fs.existsSync(`${prefix}.rec`) && !fs.existsSync(`${prefix}.rec.partial`), `${bad}: nothing written`);
    }
    assert.deepEqual(store.requested(), [], 'no object was asked for');
  });
});

describe('lists and images in a bucket stay where they are named', () => {
  test("im2rec.cc's concatenation under a bare bucket ROOT cannot run on into another bucket's name", async () => {
    const store = await hostile({ kind: 'keys', keys: [] });
    const list = path.join(dir, 'cc.lst');
    fs.writeFileSync(list, '0\t0\t-other/x.jpg\n');
    const res = await runBinAsync('im2rec', [list, 's3://data', path.join(dir, 'cc.rec')], { env: store.env });
    assert.equal(res.status, 1, res.stderr);
    assert.deepEqual(store.requested(), ['data/-other/x.jpg'], 'asked in its own bucket, not in data-other');
  });

  test("a pack finds lists whose keys hold '%', '?', '#' or a space, and reads those objects, not others", async () => {
    const store = await hostile({ kind: 'keys', keys: ['lists/p 100%.lst', 'lists/p?#.lst', 'lists/pA.lst'] });
    await s3.put('data', 'lists/p 100%.lst', '0\t0.000000\tcat/a.jpg\n');
    await s3.put('data', 'lists/p?#.lst', '0\t0.000000\tdog/ok.jpg\n');
    await s3.put('data', 'lists/pA.lst', '0\t0.000000\tdog/ok.jpg\n');
    const res = await runBinAsync('im2rec', ['s3://data/lists/p', 's3://data/imgs/', '-q'], { env: store.env });
    assert.equal(res.status, 0, res.stderr);
    for (const key of ['lists/p 100%.rec', 'lists/p?#.rec', 'lists/pA.rec']) assert.ok(await s3.get('data', key), key);
  });
});

describe('a listing is bounded', () => {
  test('a server that hands out the same continuation token again: stopped at the second page, one line, exit 2, no lock left', async () => {
    const store = await hostile({ kind: 'same-token' });
    const prefix = path.join(dir, 'token', 'x');
    const res = await runBinMeasured('im2rec', [prefix, 's3://data/imgs/', '--list', '--recursive'], { env: store.env, timeoutMs: 60_000 });
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /listing page 2 hands out a continuation token given before/);
    assert.equal(store.pages, 2);
    assert.deepEqual(fs.readdirSync(path.dirname(prefix)), []);
  });

  test('a 4 GiB listing page: refused after 8 MiB, in little memory, one line, exit 2', async () => {
    const store = await hostile({ kind: 'huge-page', bytes: 4 * 2 ** 30 });
    const prefix = path.join(dir, 'huge', 'x');
    const res = await runBinMeasured('im2rec', [prefix, 's3://data/imgs/', '--list', '--recursive'], { env: store.env, timeoutMs: 120_000 });
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /a listing page larger than 8388608 bytes/);
    assert.ok(res.peakRssMiB < 400, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
    assert.deepEqual(fs.readdirSync(path.dirname(prefix)), []);
  });

  test('a 200 answer that is no listing is not taken for an empty one: one line, exit 2', async () => {
    const store = await hostile({ kind: 'not-a-listing' });
    const res = await runBinAsync('im2rec', [path.join(dir, 'garbage', 'x'), 's3://data/imgs/', '--list'], { env: store.env });
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /s3:\/\/data\/imgs\/: listing page 1 is not an S3 listing \(it says neither whether more keys follow nor how many it holds\)/);
  });

  test('a listing of 300,000 keys of 210 characters: about a third of a kilobyte a key at its peak, streamed into the list', async () => {
    const count = 300_000;
    const store = await hostile({ kind: 'generated', prefix: 'imgs/cls/', count, length: 210 });
    const prefix = path.join(dir, 'many', 'x');
    const res = await runBinMeasured('im2rec', [prefix, 's3://data/imgs/', '--list', '--recursive'], { env: store.env });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(fs.readFileSync(`${prefix}.lst`, 'utf8').split('\n').length, count + 1);
    // Before, names were held several times over (2 M such keys took 2.46 GB).
    assert.ok(res.peakRssMiB < 400, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
  });
});

describe('s3:// locations', () => {
  test('credentials written into an s3:// location are refused, and never printed', async () => {
    const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };
    const located = 's3://AKIAEXAMPLE:SeCrEt0123@b/x.rec';
    const runs: [string, string[]][] = [
      ['rec', ['info', located]],
      ['rec', ['verify', located]],
      ['rec', ['dump', located]],
      ['rec', ['iter', located, '--data-shape', '3,8,8']],
      ['rec', ['shuffle', path.join(dir, 'none.rec'), '-o', located]],
      ['im2rec', [path.join(dir, 'creds', 'x'), 's3://AKIAEXAMPLE:SeCrEt0123@b/imgs/', '--list']],
      ['im2rec', ['s3://AKIAEXAMPLE:SeCrEt0123@b/lists/x', path.join(dir)]],
    ];
    for (const [bin, args] of runs) {
      const res = await runBinAsync(bin as 'rec' | 'im2rec', args, { env });
      const out = res.stdout + res.stderr;
      assert.equal(res.status, 2, `${bin} ${args[0]}: ${out}`);
      assert.ok(!/AKIAEXAMPLE|SeCrEt0123/.test(out), `${bin} ${args.join(' ')} prints the credentials:\n${out}`);
    }
    const info = await runBinAsync('rec', ['info', located], { env });
    assert.ok(isOneLineError(info.stderr), info.stderr);
    assert.match(info.stderr, /s3:\/\/b\/\.\.\.: credentials do not belong in an s3:\/\/ location/);
  });

  test('a key longer than S3 allows, a misspelt bucket or escape: one short line, exit 2, no request', async () => {
    const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };
    for (const [location, why] of [
      [`s3://data/${'k'.repeat(100_000)}.rec`, /with a key of at most 1024 bytes \(S3's limit\), received 100004/],
      ['s3://my bucket/x.rec', /expected s3:\/\/bucket\/key \(a bucket name of letters/],
      ['s3://data/100%.rec', /a '%' must start an escape/],
      ['s3://data/a%0Ab.rec', /without control characters/],
    ] as const) {
      const res = await runBinAsync('rec', ['info', location], { env });
      assert.equal(res.status, 2, res.stderr.slice(0, 300));
      assert.ok(isOneLineError(res.stderr), res.stderr.slice(0, 300));
      assert.match(res.stderr, why);
      assert.ok(res.stderr.length < 400, `a message of ${res.stderr.length} characters`);
    }
  });
});

describe('lines and paths with ceilings', () => {
  test('an im2rec list line past 1 MiB: refused before any work, naming the line, short; nothing left behind', async () => {
    const root = path.join(dir, 'long-line');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'a.jpg'), jpeg);
    const prefix = path.join(root, 'l');
    fs.writeFileSync(`${prefix}.lst`, `0\t0\ta.jpg\n1\t0\t${'x'.repeat(2 << 20)}.jpg\n`);
    const res = await runBinAsync('im2rec', [prefix, root]);
    assert.equal(res.status, 2, res.stderr.slice(0, 300));
    assert.ok(isOneLineError(res.stderr), res.stderr.slice(0, 300));
    assert.match(res.stderr, /l\.lst:2: a line longer than 1048576 bytes/);
    assert.deepEqual(fs.readdirSync(root).sort(), ['a.jpg', 'l.lst']);
  });

  test('a path longer than any file system takes is a list error; messages about long paths stay short', async () => {
    const root = path.join(dir, 'long-path');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'a.jpg'), jpeg);
    const prefix = path.join(root, 'l');
    fs.writeFileSync(`${prefix}.lst`, `0\t0\ta.jpg\n1\t0\t${'d/'.repeat(300_000)}x.jpg\n`);
    const res = await runBinAsync('im2rec', [prefix, root]);
    assert.equal(res.status, 1, res.stderr.slice(0, 300));
    assert.ok(isOneLineError(res.stderr), res.stderr.slice(0, 300));
    assert.match(res.stderr, /l\.lst:2: expected an image path of at most 4096 bytes, received 600005/);
    assert.ok(res.stderr.length < 400, `a message of ${res.stderr.length} characters`);
    assert.deepEqual(fs.readdirSync(root).sort(), ['a.jpg', 'l.lst']);
  });
});

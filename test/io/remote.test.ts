// Reading .rec/.idx over HTTP: a real server on loopback (test/helpers/http-server.ts),
// one that cuts responses off part-way among them. Remote reads must equal
// local reads, record for record and batch for batch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { openPartition, readPartition } from '../../src/format/partition.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { HttpError, HttpSource, describe as describeFailure, httpAddress } from '../../src/io/remote/http-source.js';
import { ImageRecordIter } from '../../src/iter/image-record-iter.js';
import { isOneLineError, runBinAsync } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';
import { type TestServer, serveDir } from '../helpers/http-server.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-remote-');
for (const f of ['adaface-tiny/train.rec', 'adaface-tiny/train.idx', 'adaface-tiny/train.lst', 'readtome/validation.rec', 'readtome/validation.idx', 'gray-glyphs/val.rec']) {
  fs.copyFileSync(fixture(f), path.join(dir, f.replace('/', '-')));
}

// Records that span several reads and parts: payloads holding the magic, one of 5 MB.
{
  const w = RecordWriter.create(path.join(dir, 'parts.rec'));
  const magic = Buffer.from([0x0a, 0x23, 0xd7, 0xce]);
  for (let i = 0; i < 40; i++) {
    const body = Buffer.alloc(i === 17 ? 5 << 20 : 1000 + i * 37, i);
    for (let at = 0; at + 4 <= body.length; at += 4096) magic.copy(body, at);
    w.write(body);
  }
  await w.close();
}

// 60 JPEG images in 3 classes, with .idx and a list file that relabels them.
{
  const w = RecordWriter.create(path.join(dir, 'pics.rec'), { indexPath: path.join(dir, 'pics.idx') });
  let lst = '';
  for (let i = 0; i < 60; i++) {
    w.write(packImageRecord({ label: i % 3, id: i }, await makeJpeg(48 + (i % 5) * 8, 40 + (i % 3) * 8, {}, i + 1)), i);
    lst += `${i}\t${(i * 7) % 10}\tx${i}.jpg\n`;
  }
  await w.close();
  fs.writeFileSync(path.join(dir, 'pics.lst'), lst);
}

let good: TestServer;
let flaky: TestServer;
before(async () => {
  good = await serveDir(dir);
  flaky = await serveDir(dir, { dropEvery: 2 });
});
after(async () => {
  await good.close();
  await flaky.close();
});

const local = (name: string) => path.join(dir, name);
/** Retry pauses kept short so that the tests stay quick. */
const fastRetries = { retryDelayMs: 5 };

async function scanRemote(url: string): Promise<{ offset: number; payload: string }[]> {
  const reader = await RecordReader.openAsync(url, fastRetries);
  const out: { offset: number; payload: string }[] = [];
  try {
    for await (const r of reader.scan({ bufferSize: 256 << 10 })) out.push({ offset: r.offset, payload: r.payload.toString('base64') });
  } finally {
    reader.close();
  }
  return out;
}

function scanLocal(file: string): { offset: number; payload: string }[] {
  const reader = RecordReader.open(file);
  try {
    return [...reader.scan()].map((r) => ({ offset: r.offset, payload: r.payload.toString('base64') }));
  } finally {
    reader.close();
  }
}

describe('reading over HTTP', () => {
  test('byte ranges equal the file, also when every other response is cut off', async () => {
    const bytes = fs.readFileSync(local('parts.rec'));
    const src = await HttpSource.open(`${flaky.url}/parts.rec`, fastRetries);
    assert.equal(src.size, bytes.length);
    for (const [position, length] of [[0, 10], [12345, 3 << 20], [bytes.length - 7, 100], [bytes.length, 10]] as const) {
      const buf = Buffer.alloc(length);
      const n = await src.read(buf, 0, length, position);
      assert.equal(n, Math.max(0, Math.min(length, bytes.length - position)));
      assert.ok(buf.subarray(0, n).equals(bytes.subarray(position, position + n)));
    }
    assert.ok(src.retried > 0, 'the dropped responses were retried');
    // Every response cut in half: each attempt brings bytes, so the read goes on to the end.
    const halving = await serveDir(dir, { dropEvery: 1 });
    try {
      const slow = await HttpSource.open(`${halving.url}/parts.rec`, { retries: 2, retryDelayMs: 1 });
      const buf = Buffer.alloc(1 << 20);
      assert.equal(await slow.read(buf, 0, buf.length, 999), buf.length);
      assert.ok(buf.equals(bytes.subarray(999, 999 + buf.length)));
      assert.ok(slow.retried > 10);
    } finally {
      await halving.close();
    }
  });

  test('openWhole: one request for a file read whole; a body cut off is read on by range; other reads ask by range', async () => {
    const bytes = fs.readFileSync(local('parts.rec'));
    const before = good.stats.requests;
    const whole = await HttpSource.openWhole(httpAddress(`${good.url}/parts.rec`), fastRetries);
    const buf = Buffer.alloc(bytes.length);
    assert.equal(await whole.read(buf, 0, buf.length, 0), bytes.length);
    assert.ok(buf.equals(bytes));
    assert.equal(good.stats.requests - before, 1, 'the GET that opened it brought the bytes');
    whole.close();

    const cutting = await serveDir(dir, { dropWhole: true });
    try {
      const cut = await HttpSource.openWhole(httpAddress(`${cutting.url}/parts.rec`), fastRetries);
      const again = Buffer.alloc(bytes.length);
      assert.equal(await cut.read(again, 0, again.length, 0), bytes.length);
      assert.ok(again.equals(bytes));
      assert.equal(cut.retried, 1, 'the second half came by range');
      const part = await HttpSource.openWhole(httpAddress(`${cutting.url}/parts.rec`), fastRetries);
      const some = Buffer.alloc(1000);
      assert.equal(await part.read(some, 0, 1000, 5000), 1000);
      assert.ok(some.equals(bytes.subarray(5000, 6000)));
      part.close();
    } finally {
      await cutting.close();
    }
  });

  test('scans equal local scans: the fixtures and multi-part records, through a dropping server', async () => {
    for (const name of ['adaface-tiny-train.rec', 'readtome-validation.rec', 'gray-glyphs-val.rec', 'parts.rec']) {
      assert.deepEqual(await scanRemote(`${flaky.url}/${name}`), scanLocal(local(name)), name);
    }
    assert.ok(flaky.stats.drops > 5);
    const reader = await RecordReader.openAsync(`${good.url}/readtome-validation.rec`);
    const index = await RecordIndex.read(`${good.url}/readtome-validation.idx`);
    assert.equal(index.size, 40);
    const r = await reader.read(index.get(index.keys()[7]!)!);
    assert.ok(r.payload.equals(RecordReader.open(local('readtome-validation.rec')).readSync(index.get(index.keys()[7]!)!).payload));
  });

  test("dmlc's parts over a URL and over several URLs equal the local ones", async () => {
    const remote = [`${flaky.url}/parts.rec`, `${flaky.url}/readtome-validation.rec`];
    const paths = [local('parts.rec'), local('readtome-validation.rec')];
    for (let k = 0; k < 3; k++) {
      const seen: string[] = [];
      for await (const r of await openPartition(remote, { numParts: 3, partIndex: k, remote: fastRetries })) seen.push(`${r.offset}:${r.payload.length}`);
      assert.deepEqual(seen, [...readPartition(paths, { numParts: 3, partIndex: k })].map((r) => `${r.offset}:${r.payload.length}`));
    }
  });

  test('redirects are followed, to the same server and to another, where credentials are not sent', async () => {
    const bytes = fs.readFileSync(local('parts.rec'));
    const elsewhere = await serveDir(dir);
    const moving = await serveDir(dir, { redirect: { from: '/moved/', to: '/' } });
    const away = await serveDir(dir, { redirect: { from: '/away/', to: `${elsewhere.url}/` } });
    const loop = await serveDir(dir, { redirect: { from: '/', to: '/' } });
    try {
      const src = await HttpSource.open(`${moving.url}/moved/parts.rec`);
      const got = Buffer.alloc(bytes.length);
      assert.equal(await src.read(got, 0, got.length, 0), bytes.length);
      assert.deepEqual(got, bytes);
      assert.equal((await scanRemote(`http://user:secret@${away.url.slice('http://'.length)}/away/parts.rec`)).length, 40);
      assert.ok(away.stats.authorized > 0, 'the first server was sent the credentials');
      assert.equal(elsewhere.stats.authorized, 0, 'the server redirected to was not');
      assert.ok(elsewhere.stats.requests > 0);
      await assert.rejects(HttpSource.open(`${loop.url}/parts.rec`, { retries: 0 }), /parts\.rec: more than 20 redirects/);
    } finally {
      await Promise.all([elsewhere.close(), moving.close(), away.close(), loop.close()]);
    }
  });

  test('a host that does not resolve is named', async () => {
    // The error as node's lookup makes it (getaddrinfo), without depending on this machine's resolver.
    const lookup = Object.assign(new Error('getaddrinfo ENOTFOUND minio.internal'), { code: 'ENOTFOUND', hostname: 'minio.internal', syscall: 'getaddrinfo' });
    assert.equal(describeFailure(lookup, null), 'no such host minio.internal (ENOTFOUND)');
  });

  test('what cannot work says so: 404, giving up, sync reads, a file replaced mid-read', async () => {
    await assert.rejects(HttpSource.open(`${good.url}/nope.rec`), (e: unknown) => e instanceof HttpError && /nope\.rec: not found \(HTTP 404\)/.test(e.message));
    const broken = await serveDir(dir, { dropEvery: 1, cutAt: 'start' });
    try {
      const src = await HttpSource.open(`${broken.url}/parts.rec`, { retries: 2, retryDelayMs: 1 });
      await assert.rejects(src.read(Buffer.alloc(5000), 0, 5000, 100), /parts\.rec: reading from byte 100 failed after 3 attempts: connection lost after 0 of 5000 bytes/);
    } finally {
      await broken.close();
    }
    const reader = await RecordReader.openAsync(`${good.url}/parts.rec`);
    assert.throws(() => [...reader.scan()], /URLs are read asynchronously/);

    fs.copyFileSync(local('parts.rec'), local('changing.rec'));
    const src = await HttpSource.open(`${good.url}/changing.rec`);
    fs.writeFileSync(local('changing.rec'), Buffer.alloc(src.size, 7)); // same size, new file
    await assert.rejects(src.read(Buffer.alloc(100), 0, 100, 0), /changed on the server while it was being read/);
  });

  test('a server that does not serve ranges (python -m http.server): files read from start to end, skipping forward; a read behind says to download', async () => {
    const plain = await serveDir(dir, { ranges: false });
    const cutting = await serveDir(dir, { ranges: false, dropWholeEvery: 2 });
    try {
      for (const name of ['parts.rec', 'adaface-tiny-train.rec']) {
        assert.deepEqual(await scanRemote(`${plain.url}/${name}`), scanLocal(local(name)), name);
        assert.deepEqual(await scanRemote(`${cutting.url}/${name}`), scanLocal(local(name)), `${name}, cut off part-way: fetched again, read on`);
      }
      assert.equal(cutting.stats.drops, 2);
      const index = await RecordIndex.read(`${plain.url}/pics.idx`);
      assert.deepEqual([...index.keys()], [...RecordIndex.readSync(local('pics.idx')).keys()]);
      // A part starts part-way: what comes before it is skipped.
      const part = async (scan: AsyncIterable<{ offset: number }>) => {
        const out: number[] = [];
        for await (const r of scan) out.push(r.offset);
        return out;
      };
      assert.deepEqual(await part(await openPartition(`${plain.url}/parts.rec`, { numParts: 3, partIndex: 2 })), await part(readPartition(local('parts.rec'), { numParts: 3, partIndex: 2 })));

      const src = await HttpSource.open(`${plain.url}/parts.rec`);
      const bytes = fs.readFileSync(local('parts.rec'));
      const got = Buffer.alloc(1000);
      assert.equal(await src.read(got, 0, 1000, 5000), 1000);
      assert.ok(got.equals(bytes.subarray(5000, 6000)));
      await assert.rejects(src.read(got, 0, 1000, 100), (e: unknown) => e instanceof HttpError && /parts\.rec: the server does not serve byte ranges, so the file can only be read from start to end, and this read needs byte 100 out of order .*download it first/.test(e.message));
      src.close();
      // Reading through the .idx jumps about: refused, saying what to do.
      const iter = await ImageRecordIter.open({ pathImgrec: `${plain.url}/pics.rec`, pathImgidx: `${plain.url}/pics.idx`, shuffle: true, dataShape: [3, 32, 32], batchSize: 8, remote: fastRetries });
      await assert.rejects(async () => {
        for await (const _ of iter);
      }, /does not serve byte ranges.*download it first/);
      iter.close();
    } finally {
      await plain.close();
      await cutting.close();
    }
  });

  test('a list or an .idx costs one request, however long', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i}\t${i * 8}\n`).join('');
    fs.writeFileSync(local('long.idx'), lines);
    const before = good.stats.requests;
    const index = await RecordIndex.read(`${good.url}/long.idx`);
    assert.equal(index.size, 200_000);
    assert.ok(lines.length > 2 << 20, 'more than the 1 MiB a piece of text is read in');
    assert.equal(good.stats.requests - before, 1);
  });

  test('ImageRecordIter over URLs gives the same batches as over files', async () => {
    const base = { dataShape: [3, 32, 32] as [number, number, number], batchSize: 16, randCrop: true, randMirror: true, seed: 3 };
    const batches = async (iter: ImageRecordIter) => {
      const out: string[] = [];
      for (let epoch = 0; epoch < 2; epoch++) {
        for await (const b of iter) out.push(`${b.index.join(',')}|${[...b.label].join(',')}|${Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).toString('base64')}`);
        iter.reset();
      }
      iter.close();
      return out;
    };
    const variants = [
      { shuffle: true, pathImgidx: 'pics.idx', pathImglist: 'pics.lst' },
      { shuffle: true, numParts: 2, partIndex: 1 },
      { numParts: 3, partIndex: 0, pathImgidx: 'pics.idx' },
    ];
    for (const v of variants) {
      const at = (root: string) => ({
        ...base,
        ...v,
        pathImgrec: `${root}/pics.rec`,
        ...(v.pathImgidx ? { pathImgidx: `${root}/${v.pathImgidx}` } : {}),
        ...(v.pathImglist ? { pathImglist: `${root}/${v.pathImglist}` } : {}),
      });
      const remote = await batches(await ImageRecordIter.open({ ...at(flaky.url), remote: fastRetries }));
      assert.deepEqual(remote, await batches(new ImageRecordIter(at(dir))), JSON.stringify(v));
      assert.ok(remote.length > 0);
    }
    assert.throws(() => new ImageRecordIter({ ...base, pathImgrec: `${good.url}/pics.rec` }), /URLs are read asynchronously; create the iterator with `await ImageRecordIter\.open\(options\)`/);
    // Bounded read-ahead: 16 record reads at most, plus the odd request for an .idx or list.
    assert.ok(flaky.stats.maxActive <= 18, `${flaky.stats.maxActive} requests at once`);
  });
});

describe('rec commands with URLs', () => {
  const rec = (args: string[]) => runBinAsync('rec', args);

  test('info, dump, verify, view and unpack give what they give for the local file', async () => {
    const url = `${flaky.url}/adaface-tiny-train.rec`;
    const file = local('adaface-tiny-train.rec');
    const same = async (args: (f: string) => string[], normalise: (out: string, f: string) => string = (o) => o) => {
      const [r, l] = [await rec(args(url)), await rec(args(file))];
      assert.equal(r.status, 0, r.stderr);
      assert.equal(normalise(r.stdout, url), normalise(l.stdout, file), args('FILE').join(' '));
      return r;
    };
    // Reports name their input: put one name in place of both.
    const named = (out: string, f: string) => out.split(f.replace(/\.rec$/, '')).join('FILE').split(path.basename(f, '.rec')).join('FILE');
    await same((f) => ['info', f, '--json', '-q'], named);
    await same((f) => ['dump', f]);
    await same((f) => ['dump', f, '--parts', '3', '--part', '1', '--json'], named);
    await same((f) => ['verify', f, '--decode', '--json', '-q'], named);
    await same((f) => ['view', f, '--json', '-q', '--count', '5', '--out', path.join(dir, `v-${f === url ? 'r' : 'l'}.png`)], (o) => o.replace(/v-[rl]\.png/, 'v.png'));
    const [ur, ul] = [path.join(dir, 'un-r'), path.join(dir, 'un-l')];
    assert.equal((await rec(['unpack', url, ur, '--lst', '-q'])).status, 0);
    assert.equal((await rec(['unpack', file, ul, '--lst', '-q'])).status, 0);
    const tree = (d: string) => fs.readdirSync(d, { recursive: true }).map(String).sort().map((f) => [f, fs.statSync(path.join(d, f)).isFile() ? fs.readFileSync(path.join(d, f), 'base64') : '']);
    assert.deepEqual(tree(ur), tree(ul));
  });

  test('a server without ranges: info, verify and dump read as from a file; iter through the .idx says to download first', async () => {
    const plain = await serveDir(dir, { ranges: false });
    try {
      const url = `${plain.url}/readtome-validation.rec`;
      const file = local('readtome-validation.rec');
      for (const args of [['info', '--json', '-q'], ['verify', '--decode', '--json', '-q'], ['dump', '--parts', '2', '--part', '1']]) {
        const [r, l] = [await rec([args[0]!, url, ...args.slice(1)]), await rec([args[0]!, file, ...args.slice(1)])];
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.split(plain.url + '/').join(''), l.stdout.split(dir + '/').join(''), args.join(' '));
      }
      const iter = await rec(['iter', url, '--data-shape', '3,32,32', '--batch-size', '4', '--shuffle']);
      assert.equal(iter.status, 2);
      assert.ok(isOneLineError(iter.stderr), iter.stderr);
      assert.match(iter.stderr, /does not serve byte ranges, so the file can only be read from start to end.*download it first/);
    } finally {
      await plain.close();
    }
  });

  test('https: the same records, with a certificate the process trusts; refused when it does not', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const secure = await serveDir(dir, { tls: { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') }, dropEvery: 3 });
    try {
      const url = `${secure.url}/readtome-validation.rec`;
      const r = await runBinAsync('rec', ['dump', url], { env: { NODE_EXTRA_CA_CERTS: cert } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, (await rec(['dump', local('readtome-validation.rec')])).stdout);
      const untrusted = await rec(['dump', url]);
      assert.equal(untrusted.status, 2);
      assert.ok(isOneLineError(untrusted.stderr), untrusted.stderr);
      assert.match(untrusted.stderr, /readtome-validation\.rec: .*certificate/i);
    } finally {
      await secure.close();
    }
  });

  test('a missing URL: one line, exit 2', async () => {
    for (const cmd of ['info', 'dump', 'view', 'verify']) {
      const r = await rec([cmd, `${good.url}/missing.rec`, '-q'].filter((a) => !(cmd === 'dump' && a === '-q')));
      assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.match(r.stderr, /missing\.rec: not found \(HTTP 404\)/);
    }
  });
});

// s3:// outputs (issue 21, the write side), against a real S3 API on loopback
// (s3rver): every command that writes makes in the bucket the bytes it makes
// on disk; an existing object is not replaced without --force; a failed or
// interrupted run leaves no object under the name; im2rec lists a bucket
// prefix as it walks a folder and packs from and to the bucket.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecordWriter } from '../../src/format/writer.js';
import { LocalOnlyError } from '../../src/io/url.js';
import { buildIndex } from '../../src/tools/build-index.js';
import { isOneLineError, runBinAsync } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { fixture } from '../helpers/fixtures.js';
import { SECRET, startS3 } from '../helpers/s3.js';
import { startS3Proxy } from '../helpers/s3-proxy.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

const s3 = await startS3(['data']);
const env = s3.env;
const dir = tempDir('mxrec-s3-write-');
const rec = path.join(dir, 'val.rec');
fs.copyFileSync(fixture('gray-glyphs/val.rec'), rec);
await buildIndex(rec, path.join(dir, 'val.idx'));
await s3.put('data', 'in/val.rec', fs.readFileSync(rec));
await s3.put('data', 'in/val.idx', fs.readFileSync(path.join(dir, 'val.idx')));

async function ok(name: 'rec' | 'im2rec', args: string[]): Promise<string> {
  const res = await runBinAsync(name, args, { env });
  assert.equal(res.status, 0, `${name} ${args.join(' ')}: ${res.stderr}`);
  return res.stdout + res.stderr;
}

/** The object equals the local file, byte for byte. */
async function sameBytes(key: string, file: string): Promise<void> {
  const object = await s3.get('data', key);
  assert.ok(object, `${key}: no object`);
  assert.ok(object.equals(fs.readFileSync(file)), `${key} differs from ${file}`);
}

describe('rec commands write to s3://', () => {
  test('index, split, subset, shuffle and merge: bucket in, bucket out, the bytes a local run writes', async () => {
    const local = (name: string) => path.join(dir, name);
    const runs: [string[], string[], string[]][] = [
      // [args over the bucket, the same args over local files, the outputs to compare]
      [['index', 's3://data/in/val.rec', '-o', 's3://data/out/rebuilt.idx'], ['index', rec, '-o', local('rebuilt.idx')], ['rebuilt.idx']],
      [
        ['split', 's3://data/in/val.rec', 's3://data/out/a.rec', 's3://data/out/b.rec', '--shares', '3,1', '--shuffle', '--seed', '2'],
        ['split', rec, local('a.rec'), local('b.rec'), '--shares', '3,1', '--shuffle', '--seed', '2'],
        ['a.rec', 'a.idx', 'b.rec', 'b.idx'],
      ],
      [['subset', 's3://data/in/val.rec', '-o', 's3://data/out/some.rec', '--labels', '1,2'], ['subset', rec, '-o', local('some.rec'), '--labels', '1,2'], ['some.rec', 'some.idx']],
      // The key list and the names file from the bucket too.
      [
        ['subset', 's3://data/in/val.rec', '-o', 's3://data/out/keyed.rec', '--keys', 's3://data/in/keys.txt', '--labels', 'two,three,four,five,six,seven', '--names', 's3://data/in/names.txt'],
        ['subset', rec, '-o', local('keyed.rec'), '--keys', local('keys.txt'), '--labels', 'two,three,four,five,six,seven', '--names', local('names.txt')],
        ['keyed.rec', 'keyed.idx'],
      ],
      [['shuffle', 's3://data/in/val.rec', '-o', 's3://data/out/mixed.rec', '--seed', '5'], ['shuffle', rec, '-o', local('mixed.rec'), '--seed', '5'], ['mixed.rec', 'mixed.idx']],
      [
        ['merge', '-o', 's3://data/out/joined.rec', 's3://data/out/a.rec', 's3://data/out/b.rec', '--renumber'],
        ['merge', '-o', local('joined.rec'), local('a.rec'), local('b.rec'), '--renumber'],
        ['joined.rec', 'joined.idx'],
      ],
    ];
    fs.writeFileSync(local('keys.txt'), Array.from({ length: 200 }, (_, i) => `${i}\n`).join(''));
    fs.writeFileSync(local('names.txt'), 'zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n');
    for (const name of ['keys.txt', 'names.txt']) await s3.put('data', `in/${name}`, fs.readFileSync(local(name)));
    for (const [remote, here, outputs] of runs) {
      await ok('rec', remote);
      await ok('rec', here);
      for (const name of outputs) await sameBytes(`out/${name}`, local(name));
    }
  });

  test("insightface's layout through the bucket (issue 31): merge, subset, flatten and repair write the bytes a local run writes", async () => {
    const local = (name: string) => path.join(dir, name);
    for (const [name, people] of [['faces-a', [3, 2]], ['faces-b', [1, 4]]] as const) {
      await writeInsightface(dir, name, [...people]);
      for (const ext of ['rec', 'idx']) await s3.put('data', `in/${name}.${ext}`, fs.readFileSync(local(`${name}.${ext}`)));
    }
    const runs: [string[], string[], string[]][] = [
      [
        ['merge', '-o', 's3://data/out/faces.rec', 's3://data/in/faces-a.rec', 's3://data/in/faces-b.rec'],
        ['merge', '-o', local('faces.rec'), local('faces-a.rec'), local('faces-b.rec')],
        ['faces.rec', 'faces.idx'],
      ],
      [['subset', 's3://data/out/faces.rec', '-o', 's3://data/out/few.rec', '--labels', '1,3'], ['subset', local('faces.rec'), '-o', local('few.rec'), '--labels', '1,3'], ['few.rec', 'few.idx']],
      [['flatten', 's3://data/out/faces.rec', '-o', 's3://data/out/flat.rec', '--shuffle'], ['flatten', local('faces.rec'), '-o', local('flat.rec'), '--shuffle'], ['flat.rec', 'flat.idx']],
      [['repair', 's3://data/out/faces.rec', '-o', 's3://data/out/fixed.rec'], ['repair', local('faces.rec'), '-o', local('fixed.rec')], ['fixed.rec', 'fixed.idx']],
    ];
    for (const [remote, here, outputs] of runs) {
      await ok('rec', remote);
      await ok('rec', here);
      for (const name of outputs) await sameBytes(`out/${name}`, local(name));
    }
    assert.match(await ok('rec', ['info', 's3://data/out/few.rec']), /layout: +insightface: 6 images \(keys 1\.\.6\) of 2 identities/);
  });

  test('an existing object is refused without --force (exit 2, one line), replaced with it; an input is never the output', async () => {
    await s3.put('data', 'keep/val.rec', 'precious');
    const refused = await runBinAsync('rec', ['shuffle', 's3://data/in/val.rec', '-o', 's3://data/keep/val.rec'], { env });
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(isOneLineError(refused.stderr), refused.stderr);
    assert.match(refused.stderr, /s3:\/\/data\/keep\/val\.rec: already exists; not replaced without --force/);
    assert.equal(String(await s3.get('data', 'keep/val.rec')), 'precious');
    await ok('rec', ['shuffle', 's3://data/in/val.rec', '-o', 's3://data/keep/val.rec', '--force', '-q']);
    assert.notEqual(String(await s3.get('data', 'keep/val.rec')), 'precious');

    // The older form, OUT first: an existing first object is refused even with --force.
    const older = await runBinAsync('rec', ['merge', 's3://data/keep/val.rec', 's3://data/in/val.rec', '--force'], { env });
    assert.equal(older.status, 2, older.stderr);
    assert.match(older.stderr, /s3:\/\/data\/keep\/val\.rec: exists, and without -o the first file is the output/);

    const self = await runBinAsync('rec', ['merge', '-o', 's3://data/in/val.rec', 's3://data/in/val.rec', '--force'], { env });
    assert.equal(self.status, 2, self.stderr);
    assert.match(self.stderr, /s3:\/\/data\/in\/val\.rec: refusing to overwrite an input file/);
  });

  test('outputs that cannot be written: an http(s) URL, more uploads at once than memory allows', async () => {
    const http = await runBinAsync('rec', ['shuffle', rec, '-o', 'https://example.com/x.rec?X-Amz-Signature=secret'], { env });
    assert.equal(http.status, 2, http.stderr);
    assert.match(http.stderr, /^rec shuffle: https:\/\/example\.com\/x\.rec: expected a local path or s3:\/\/bucket\/key to write, received an http\(s\) URL\n$/);
    const outs = Array.from({ length: 17 }, (_, i) => `s3://data/many/s${i}.rec`);
    const many = await runBinAsync('rec', ['split', rec, ...outs], { env });
    assert.equal(many.status, 2, many.stderr);
    assert.match(many.stderr, /expected at most 21 s3:\/\/ object outputs in one run \(each streams through up to 48 MiB of memory\), received 34/);
    assert.deepEqual(await s3.keys('data', 'many/'), []);
  });

  test('a missing bucket or wrong credentials: exit 2, one line, no secret shown, nothing written', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['s3://no-such-bucket/x.rec', {}, /s3:\/\/no-such-bucket\/x\.(rec|idx): .*(no such bucket|404)/],
      ['s3://data/denied/x.rec', { AWS_ACCESS_KEY_ID: 'WRONG', AWS_SECRET_ACCESS_KEY: 'ALSO-WRONG' }, /s3:\/\/data\/denied\/x\.(rec|idx): .*access denied \(HTTP 403/],
    ];
    for (const [out, extra, expected] of cases) {
      const res = await runBinAsync('rec', ['shuffle', rec, '-o', out], { env: { ...env, ...extra } });
      assert.equal(res.status, 2, res.stderr);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, expected);
      assert.doesNotMatch(res.stderr, /X-Amz-|Signature=|S3RVER|ALSO-WRONG/);
      assert.ok(!res.stderr.includes(SECRET));
    }
    assert.deepEqual(await s3.keys('data', 'denied/'), []);
  });

  test('several parts of the multipart size: streamed, equal to the local file; an aborted upload leaves no object', async () => {
    const record = Buffer.alloc(300_000, 9);
    const writeMany = async (writer: RecordWriter, n: number) => {
      for (let i = 0; i < n; i++) {
        record.writeUInt32LE(i, 0);
        writer.write(record, i);
        await writer.ready();
      }
    };
    const remote = await RecordWriter.createAsync('s3://data/big/many.rec', { indexPath: 's3://data/big/many.idx' });
    await writeMany(remote, 90); // 27 MB: four parts of 8 MiB
    await remote.closeAsync();
    const here = RecordWriter.create(path.join(dir, 'many.rec'), { indexPath: path.join(dir, 'many.idx') });
    await writeMany(here, 90);
    here.close();
    await sameBytes('big/many.rec', path.join(dir, 'many.rec'));
    await sameBytes('big/many.idx', path.join(dir, 'many.idx'));

    const dropped = await RecordWriter.createAsync('s3://data/big/dropped.rec', { indexPath: 's3://data/big/dropped.idx' });
    await writeMany(dropped, 40); // parts already uploaded
    await dropped.abort();
    assert.deepEqual(await s3.keys('data', 'big/dropped'), []);
  });

  test('rec view writes its sheet and gallery through the store, as it writes them to files; close() of an upload is refused and drops it', async () => {
    await ok('rec', ['view', rec, '--out', 's3://data/view/val.png', '--html', 's3://data/view/val.html', '--seed', '3', '-q']);
    await ok('rec', ['view', rec, '--out', path.join(dir, 'val.png'), '--html', path.join(dir, 'val.html'), '--seed', '3', '-q']);
    await sameBytes('view/val.png', path.join(dir, 'val.png'));
    await sameBytes('view/val.html', path.join(dir, 'val.html'));

    const upload = await RecordWriter.createAsync('s3://data/sync/x.rec', { indexPath: 's3://data/sync/x.idx' });
    upload.write(Buffer.from('abc'), 0);
    assert.throws(() => upload.close(), (err: Error) => err instanceof LocalOnlyError && /^s3:\/\/data\/sync\/x\.rec: only local files are written here; use the async API/.test(err.message));
    assert.deepEqual(await s3.keys('data', 'sync/'), []);
  });
});

describe('a rec command writing to s3:// stopped by a signal', () => {
  // 96 MiB of records (sparse: zeros from the page cache), so the upload is multipart and still going when the signal comes.
  const big = path.join(dir, 'big-input.rec');
  const fd = fs.openSync(big, 'w');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0xced7230a, 0);
  head.writeUInt32LE(1 << 20, 4);
  for (let i = 0; i < 96; i++) fs.writeSync(fd, head, 0, 8, i * (8 + (1 << 20)));
  fs.ftruncateSync(fd, 96 * (8 + (1 << 20)));
  fs.closeSync(fd);
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/rec.cjs');

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`rec shuffle -o s3://, ${signal} while its parts go up: exit ${code}, the upload cancelled (AbortMultipartUpload sent), no object`, async () => {
      const key = `stopped/${signal}.rec`;
      let child: ChildProcess | null = null;
      // Stopped once its first part goes up: the multipart upload then exists and must be cancelled.
      const proxy = await startS3Proxy(s3);
      proxy.rule = (req) => {
        if (req.method === 'PUT' && req.path === `data/${key}` && /(^|&)partNumber=1(&|$)/.test(req.query)) child?.kill(signal);
        return undefined;
      };
      try {
        child = spawn(process.execPath, [bin, 'shuffle', big, '-o', `s3://data/${key}`, '-q'], { env: { ...process.env, ...proxy.env }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d));
        const exit = await new Promise<number | null>((resolve) => child!.on('close', resolve));
        assert.equal(exit, code, stderr);
        assert.ok(isOneLineError(stderr), stderr);
        assert.match(stderr, new RegExp(`^rec shuffle: interrupted by ${signal}`));
        assert.ok(proxy.log.some((line) => line.startsWith(`POST data/${key}?uploads`)), `the upload was started: ${proxy.log.join(', ')}`);
        assert.ok(
          proxy.log.some((line) => line.startsWith(`DELETE data/${key}?uploadId=`)),
          `AbortMultipartUpload was sent: ${proxy.log.join(', ')}`,
        );
        assert.deepEqual(await s3.keys('data', 'stopped/'), []);
      } finally {
        await proxy.close();
      }
    });
  }
});

describe('im2rec with a bucket', async () => {
  const corpus = await makeCorpus({ count: 24 });
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.relative(corpus, path.join(d, e.name)));
  };
  walk(corpus);
  for (const rel of files) await s3.put('data', `images/${rel.split(path.sep).join('/')}`, fs.readFileSync(path.join(corpus, rel)));
  await s3.put('data', 'images/notes/readme.txt', 'not an image'); // not listed, as on disk
  const local = path.join(dir, 'im2rec');
  fs.mkdirSync(local);

  test('--list --recursive over a prefix writes the lists and label map a local copy of the tree gives', async () => {
    await ok('im2rec', ['s3://data/lists/train', 's3://data/images/', '--list', '--recursive', '--train-ratio', '0.75', '-q']);
    await ok('im2rec', [path.join(local, 'train'), corpus, '--list', '--recursive', '--train-ratio', '0.75', '-q']);
    for (const name of ['train_train.lst', 'train_val.lst', 'train.labels.txt']) await sameBytes(`lists/${name}`, path.join(local, name));
    // Another listing that takes its labels from the bucket's label map.
    await ok('im2rec', ['s3://data/lists/again', 's3://data/images/', '--list', '--recursive', '--labels', 's3://data/lists/train.labels.txt', '-q']);
    await ok('im2rec', [path.join(local, 'again'), corpus, '--list', '--recursive', '--labels', path.join(local, 'train.labels.txt'), '-q']);
    await sameBytes('lists/again.lst', path.join(local, 'again.lst'));
  });

  test('list, images and output in the bucket: the .rec and .idx a local pack writes', async () => {
    await ok('im2rec', ['s3://data/lists/train', 's3://data/images', '--resize', '40', '-q']);
    await ok('im2rec', [path.join(local, 'train'), corpus, '--resize', '40', '-q']);
    for (const name of ['train_train.rec', 'train_train.idx', 'train_val.rec', 'train_val.idx']) await sameBytes(`lists/${name}`, path.join(local, name));
    const again = await runBinAsync('im2rec', ['s3://data/lists/train', 's3://data/images', '--resize', '40'], { env });
    assert.equal(again.status, 2, again.stderr);
    assert.match(again.stderr, /s3:\/\/data\/lists\/train_train\.rec: already exists; not replaced without --force/);
    const resume = await runBinAsync('im2rec', ['s3://data/lists/train', 's3://data/images', '--resume'], { env });
    assert.equal(resume.status, 2, resume.stderr);
    assert.match(resume.stderr, /--resume expected a local output and ROOT; a pack to or from a bucket is not resumable/);
  });

  test('a missing image in the bucket is skipped and reported (the report in the bucket too)', async () => {
    await s3.put('data', 'gaps/set.lst', `${fs.readFileSync(path.join(local, 'train_val.lst'), 'utf8')}99\t0\tno/such.jpg\n`);
    const out = await ok('im2rec', ['s3://data/gaps/set', 's3://data/images/']);
    assert.match(out, /skipped no\/such\.jpg .*missing file/);
    assert.match(String(await s3.get('data', 'gaps/set.skipped.tsv')), /no\/such\.jpg\tmissing file/);
    // Packed again (--force) with nothing to skip: the old report, which would describe other output, goes.
    await s3.put('data', 'gaps/set.lst', fs.readFileSync(path.join(local, 'train_val.lst')));
    await ok('im2rec', ['s3://data/gaps/set', 's3://data/images/', '--force', '-q']);
    assert.equal(await s3.get('data', 'gaps/set.skipped.tsv'), null);
  });

  test('interrupted (SIGINT): exit 130, the uploads cancelled, no object under the names', async () => {
    const big = await makeCorpus({ count: 300, maxSide: 600, seed: 5 });
    for (const name of fs.readdirSync(big, { recursive: true }) as string[]) {
      const file = path.join(big, name);
      if (fs.statSync(file).isFile()) await s3.put('data', `slow/${name.split(path.sep).join('/')}`, fs.readFileSync(file));
    }
    await ok('im2rec', ['s3://data/slow-out/set', 's3://data/slow/', '--list', '--recursive', '-q']);
    // The list twenty times over (6,000 items, indices distinct): far longer than the wait before Ctrl-C.
    const lines = String(await s3.get('data', 'slow-out/set.lst')).trim().split('\n');
    const long = Array.from({ length: 20 }, (_, k) => lines.map((l) => l.replace(/^\d+/, (n) => String(Number(n) + k * lines.length)))).flat();
    await s3.put('data', 'slow-out/set.lst', `${long.join('\n')}\n`);
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/im2rec.cjs');
    // Ctrl-C once the pack has read its 200th image: well into it, however loaded the machine (6,000 images on one thread take half a minute).
    const proxy = await startS3Proxy(s3);
    let reads = 0;
    let child: ChildProcess | null = null;
    proxy.rule = (req) => {
      if (req.method === 'GET' && req.path.startsWith('data/slow/') && ++reads === 200) child?.kill('SIGINT');
      return undefined;
    };
    let stderr = '';
    let code: number | null;
    try {
      child = spawn(process.execPath, [bin, 's3://data/slow-out/set', 's3://data/slow/', '--num-thread', '1'], { env: { ...process.env, ...proxy.env }, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
      });
      code = await new Promise<number | null>((resolve) => child!.on('close', resolve));
    } finally {
      await proxy.close();
    }
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted after \d+ of 6000 images; the uploads to s3:\/\/data\/slow-out\/set\.rec were cancelled and nothing was published/);
    assert.deepEqual((await s3.keys('data', 'slow-out/')).sort(), ['slow-out/set.labels.txt', 'slow-out/set.lst']);
  });
});

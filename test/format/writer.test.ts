import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { encodeRecord } from '../../src/format/recordio.js';
import { RecordWriter, type RecordWriterOptions } from '../../src/format/writer.js';
import { OutputExistsError } from '../../src/io/output-errors.js';
import { LocalOnlyError } from '../../src/io/url.js';
import { UsageError } from '../../src/util/errors.js';
import { edgePayloads } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

const payloads = edgePayloads(5);

test('file output is the concatenation of each framed record; write() returns offsets', () => {
  const dir = tempDir();
  const file = path.join(dir, 'out.rec');
  const w = RecordWriter.create(file, { bufferSize: 4096 });
  const offsets = payloads.map((p) => w.write(p));
  w.close();
  const expected = Buffer.concat(payloads.map(encodeRecord));
  assert.deepEqual(fs.readFileSync(file), expected);
  let at = 0;
  payloads.forEach((p, i) => {
    assert.equal(offsets[i], at);
    at += encodeRecord(p).length;
  });
  assert.equal(w.position, expected.length);
  assert.equal(w.count, payloads.length);
});

test('records larger than the write buffer are written whole', () => {
  const big = Buffer.alloc(100_000, 7);
  const w = RecordWriter.inMemory({ bufferSize: 4096 });
  w.write(Buffer.from('x'));
  w.write(big);
  w.write(Buffer.from('y'));
  assert.deepEqual(w.toBuffer(), Buffer.concat([encodeRecord(Buffer.from('x')), encodeRecord(big), encodeRecord(Buffer.from('y'))]));
});

test('a payload in pieces is the record of their concatenation: large or small, aligned or not, with the magic in a piece or across two', () => {
  const magic = Buffer.from([0x0a, 0x23, 0xd7, 0xce]);
  const big = Buffer.alloc(100_001, 7);
  const withMagic = Buffer.concat([Buffer.alloc(70_000, 1), magic, Buffer.alloc(70_003, 2)]);
  const cases: Buffer[][] = [
    [Buffer.alloc(24, 3), big], // a header and an image: framed without joining
    [Buffer.alloc(24, 3), withMagic], // a cut in the image
    [Buffer.concat([Buffer.alloc(22, 3), magic.subarray(0, 2)]), Buffer.concat([magic.subarray(2), big])], // a magic across pieces
    [Buffer.alloc(23, 3), big], // a first piece that is not whole words
    [Buffer.alloc(23, 3), Buffer.concat([Buffer.alloc(1), magic, big])], // a magic aligned in the whole, not in its piece
    [Buffer.concat([Buffer.alloc(20, 3), magic.subarray(0, 2)]), Buffer.concat([magic.subarray(2), big])], // an aligned magic split across pieces
    [Buffer.alloc(24, 3), Buffer.from('small')],
    [big],
    [Buffer.alloc(24, 3), Buffer.alloc(0), big],
  ];
  const w = RecordWriter.inMemory({ bufferSize: 4096 });
  w.write(Buffer.from('x'));
  for (const pieces of cases) w.write(pieces);
  assert.deepEqual(w.toBuffer(), Buffer.concat([encodeRecord(Buffer.from('x')), ...cases.map((pieces) => encodeRecord(Buffer.concat(pieces)))]));
  assert.throws(() => w.write([Buffer.from('x'), 'y' as unknown as Buffer]), /expected the payload as a Buffer or Uint8Array \(or an array of them\), received string/);
});

test('nothing appears under the final name until close(); an existing file it may replace stays until then', () => {
  const dir = tempDir();
  const file = path.join(dir, 'out.rec');
  fs.writeFileSync(file, 'previous');
  const w = RecordWriter.create(file, { overwrite: true });
  w.write(Buffer.alloc(10_000_000, 1)); // more than the buffer: bytes reach the disk before close
  assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
  const temps = fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
  assert.equal(temps.length, 1, 'one temporary file beside the target');
  w.close();
  assert.equal(fs.statSync(file).size, 10_000_008);
  assert.deepEqual(fs.readdirSync(dir), ['out.rec']);
});

test('abort() removes the temporary file and leaves the target untouched', () => {
  const dir = tempDir();
  const file = path.join(dir, 'out.rec');
  fs.writeFileSync(file, 'previous');
  const w = RecordWriter.create(file, { indexPath: path.join(dir, 'out.idx'), overwrite: true });
  w.write(Buffer.from('abc'), 0);
  w.abort();
  assert.deepEqual(fs.readdirSync(dir), ['out.rec']);
  assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
});

test('an existing .rec or .idx is refused before anything is written, unless overwrite is set; the error names the option, not a flag', () => {
  const dir = tempDir();
  const [rec, idx] = [path.join(dir, 'old.rec'), path.join(dir, 'old.idx')];
  for (const existing of [rec, idx]) {
    fs.writeFileSync(existing, 'mine');
    assert.throws(() => RecordWriter.create(rec, { indexPath: idx }), (err: Error) => err instanceof OutputExistsError && err.message === `${existing}: already exists; not replaced without overwrite: true`);
    assert.deepEqual(fs.readdirSync(dir), [path.basename(existing)], 'no temporary file left');
    fs.rmSync(existing);
  }
  // A second run of the same code finds both: the .rec, the file the user thinks of, is the one named.
  fs.writeFileSync(rec, 'mine');
  fs.writeFileSync(idx, 'mine');
  assert.throws(() => RecordWriter.create(rec, { indexPath: idx }), (err: Error) => err instanceof OutputExistsError && err.path === rec && err.message.startsWith(`${rec}: `));
});

test('a file that appears under the final name while writing is not replaced: close() fails and publishes neither file', () => {
  const dir = tempDir();
  const [rec, idx] = [path.join(dir, 'race.rec'), path.join(dir, 'race.idx')];
  for (const appears of [rec, idx]) {
    const w = RecordWriter.create(rec, { indexPath: idx });
    w.write(Buffer.from('abc'), 0);
    fs.writeFileSync(appears, 'written meanwhile by someone else');
    assert.throws(() => w.close(), (err: Error) => err instanceof OutputExistsError && /appeared while this run was writing it/.test(err.message));
    assert.deepEqual(fs.readdirSync(dir), [path.basename(appears)], 'the other file alone, untouched; no temporary file');
    assert.equal(fs.readFileSync(appears, 'utf8'), 'written meanwhile by someone else');
    fs.rmSync(appears);
  }
});

test('a named temporary file is created new, never through a link planted at its name', () => {
  const dir = tempDir();
  const victim = path.join(dir, 'victim.txt');
  fs.writeFileSync(victim, 'precious');
  const temp = path.join(dir, 'out.rec.partial');
  fs.symlinkSync(victim, temp);
  assert.throws(() => RecordWriter.create(path.join(dir, 'out.rec'), { tempPath: temp }), /EEXIST/);
  assert.throws(() => RecordWriter.create(path.join(dir, 'out.rec'), { tempPath: temp, resume: { size: 0, entries: [] } }), /ELOOP/);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['out.rec.partial', 'victim.txt']);
});

test('with indexPath, close() writes the .idx: key and offset per record, in write order', () => {
  const dir = tempDir();
  const rec = path.join(dir, 'd.rec');
  const idx = path.join(dir, 'd.idx');
  const w = RecordWriter.create(rec, { indexPath: idx });
  const keys = [5, 3, 'x9', 0];
  const offsets = keys.map((k, i) => w.write(payloads[i + 10]!, k));
  assert.equal(fs.existsSync(idx), false);
  w.close();
  assert.equal(fs.readFileSync(idx, 'utf8'), keys.map((k, i) => `${k}\t${offsets[i]}\n`).join(''));
  const index = RecordIndex.readSync(idx);
  const reader = RecordReader.open(rec);
  keys.forEach((k, i) => assert.deepEqual(reader.readSync(index.get(k)!).payload, payloads[i + 10]));
  reader.close();
});

test('a writer with an index requires a key; bad payloads are refused with what was received', () => {
  const dir = tempDir();
  const w = RecordWriter.create(path.join(dir, 'e.rec'), { indexPath: path.join(dir, 'e.idx') });
  assert.throws(() => w.write(Buffer.from('a')), (e: Error) => e instanceof UsageError && /expected a key for each record/.test(e.message));
  assert.throws(() => w.write('text' as unknown as Buffer, 1), (e: Error) => e instanceof UsageError && /expected the payload as a Buffer or Uint8Array \(or an array of them\), received string/.test(e.message));
  w.abort();
});

test('a process killed mid-write leaves no partial file under the final name', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'killed.rec');
  const { spawn } = await import('node:child_process');
  const script = `
    import { RecordWriter } from ${JSON.stringify(path.resolve('src/format/writer.ts'))};
    const w = RecordWriter.create(${JSON.stringify(file)});
    for (let i = 0; i < 50; i++) w.write(Buffer.alloc(1 << 20, i));
    process.stdout.write('written\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(fs.existsSync(file), false);
});

test('a failed write (disk full) never leaves a file under the final name, even if close() is called', () => {
  const dir = tempDir();
  const file = path.join(dir, 'full.rec');
  fs.writeFileSync(file, 'previous');
  const realWritev = fs.writevSync;
  let calls = 0;
  fs.writevSync = ((...args: Parameters<typeof fs.writevSync>) => {
    if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    return realWritev(...args);
  }) as typeof fs.writevSync;
  const w = RecordWriter.create(file, { overwrite: true });
  try {
    w.write(Buffer.alloc(100_000, 1)); // large: written at once (call 1)
    assert.throws(() => w.write(Buffer.alloc(100_000, 2)), /ENOSPC/); // call 2 fails
    assert.throws(() => w.write(Buffer.from('more')), /an earlier write failed/);
  } finally {
    assert.throws(() => w.close(), /ENOSPC/);
    fs.writevSync = realWritev;
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'previous');
  assert.deepEqual(fs.readdirSync(dir), ['full.rec'], 'the temporary file is gone');
});

test('an index key with whitespace is refused before anything is written', () => {
  const dir = tempDir();
  const iw = RecordWriter.create(path.join(dir, 'k.rec'), { indexPath: path.join(dir, 'k.idx') });
  assert.throws(() => iw.write(Buffer.from('abc'), 'a b'), /expected an index key without whitespace, received "a b"/);
  assert.equal(iw.position, 0);
  assert.equal(iw.count, 0);
  iw.write(Buffer.from('abc'), 'ab');
  iw.close();
  assert.equal(fs.readFileSync(path.join(dir, 'k.idx'), 'utf8'), 'ab\t0\n');
});

test('create() and close() are createAsync() and closeAsync() run in the call: the same outcome and error on every edge', async () => {
  type Outcome = { error: string | null; files: Record<string, string> };
  /** One way of writing: a writer made and published synchronously, or through the async API. */
  const ways = {
    sync: async (rec: string, options: RecordWriterOptions, before: () => void) => {
      const w = RecordWriter.create(rec, options);
      w.write(Buffer.from('abc'), 0);
      before();
      w.close();
    },
    async: async (rec: string, options: RecordWriterOptions, before: () => void) => {
      const w = await RecordWriter.createAsync(rec, options);
      w.write(Buffer.from('abc'), 0);
      before();
      await w.closeAsync();
    },
  };
  /** What a run leaves: its error (with the folder's name taken out), and every file in the folder with its bytes. */
  const run = async (way: keyof typeof ways, setUp: (rec: string, idx: string) => { options?: RecordWriterOptions; before?: () => void }): Promise<Outcome> => {
    const dir = tempDir();
    const [rec, idx] = [path.join(dir, 'out.rec'), path.join(dir, 'out.idx')];
    const { options = {}, before = () => {} } = setUp(rec, idx);
    let error: string | null = null;
    try {
      await ways[way](rec, { indexPath: idx, ...options }, before);
    } catch (err) {
      error = `${(err as Error).name}: ${(err as Error).message.split(dir).join('DIR')}`;
    }
    const files = Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name)).toString('hex')]));
    return { error, files };
  };
  const edges: Record<string, (rec: string, idx: string) => { options?: RecordWriterOptions; before?: () => void }> = {
    'nothing there': () => ({}),
    'the .rec there': (rec) => (fs.writeFileSync(rec, 'mine'), {}),
    'the .idx there': (_rec, idx) => (fs.writeFileSync(idx, 'mine'), {}),
    'both there': (rec, idx) => (fs.writeFileSync(rec, 'mine'), fs.writeFileSync(idx, 'mine'), {}),
    'both there, overwrite': (rec, idx) => (fs.writeFileSync(rec, 'mine'), fs.writeFileSync(idx, 'mine'), { options: { overwrite: true } }),
    'the .rec appears while writing': (rec) => ({ before: () => fs.writeFileSync(rec, 'theirs') }),
    'the .idx appears while writing': (_rec, idx) => ({ before: () => fs.writeFileSync(idx, 'theirs') }),
    'a named temporary planted': (rec) => (fs.writeFileSync(`${rec}.partial`, 'planted'), { options: { tempPath: `${rec}.partial` } }),
    'resume without tempPath': () => ({ options: { resume: { size: 0, entries: [] } } }),
  };
  for (const [edge, setUp] of Object.entries(edges)) {
    const sync = await run('sync', setUp);
    assert.deepEqual(await run('async', setUp), sync, edge);
  }
  // The edges are edges: most refuse, and what they refuse is said.
  assert.match((await run('sync', edges['both there']!)).error!, /^OutputExistsError: DIR\/out\.rec: already exists/);
  assert.match((await run('sync', edges['the .idx appears while writing']!)).error!, /appeared while this run was writing it/);
});

test('the synchronous API refuses a location it cannot write without waiting, naming the async API', () => {
  const refused = (err: Error) => err instanceof LocalOnlyError && /^s3:\/\/bucket\/x\.(rec|idx): only local files are written here; use the async API \(RecordWriter\.createAsync/.test(err.message);
  assert.throws(() => RecordWriter.create('s3://bucket/x.rec'), refused);
  assert.throws(() => RecordWriter.create(path.join(tempDir(), 'x.rec'), { indexPath: 's3://bucket/x.idx' }), refused);
  assert.throws(() => new RecordIndex().writeSync('s3://bucket/x.idx'), refused);
});

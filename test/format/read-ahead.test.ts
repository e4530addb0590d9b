/**
 * Scans of local files read ahead: on the mxrec_io addon's reader threads
 * where it is built (sync and async), else on libuv's pool (async) or on
 * demand (sync). Every way must give the same records and the same errors.
 * fallback.test.ts runs this file again with the addon switched off.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordIOError } from '../../src/format/errors.js';
import { RecordReader, type ScanOptions } from '../../src/format/reader.js';
import { MAGIC_BYTES } from '../../src/format/recordio.js';
import { RecordWriter } from '../../src/format/writer.js';
import { ThreadReads, readerThreads } from '../../src/io/block-reads.js';
import { FileSource } from '../../src/io/byte-source.js';
import { bigPayloads, edgePayloads } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const addonOff = process.env.MXREC_NO_NATIVE === '1';
if (process.env.CI === 'true' && !addonOff) assert.ok(readerThreads.available, `mxrec_io did not load: ${readerThreads.reason}`);

function writeFile(name: string, list: Buffer[]): { file: string; offsets: number[] } {
  const file = path.join(tempDir(), name);
  const w = RecordWriter.create(file);
  const offsets = list.map((p) => w.write(p));
  w.close();
  return { file, offsets };
}

/** A payload dmlc's writer splits into parts: the magic at an aligned offset. */
function multiPart(fill: number, size: number): Buffer {
  const p = Buffer.alloc(size, fill);
  MAGIC_BYTES.copy(p, 8);
  return p;
}

async function collect(file: string, options: ScanOptions, mode: 'sync' | 'async'): Promise<Array<[number, string]>> {
  const reader = RecordReader.open(file);
  const got: Array<[number, string]> = [];
  try {
    const scan = reader.scan(options);
    // Read each payload before the next record: the reuseBuffers contract.
    if (mode === 'sync') for (const rec of scan) got.push([rec.offset, rec.payload.toString('base64')]);
    else for await (const rec of scan) got.push([rec.offset, rec.payload.toString('base64')]);
  } finally {
    reader.close();
  }
  return got;
}

test('a file scans to the same records with every read-ahead depth, buffer size and buffer mode', async () => {
  const list = [...edgePayloads(5), ...bigPayloads(), multiPart(1, 300_000), ...edgePayloads(6), multiPart(2, 64)];
  const { file, offsets } = writeFile('all.rec', list);
  const want = list.map((p, i): [number, string] => [offsets[i]!, p.toString('base64')]);
  for (const readAhead of [0, 1, 4]) {
    for (const bufferSize of [64, 1000, 1 << 20]) {
      for (const reuseBuffers of [false, true]) {
        for (const mode of ['sync', 'async'] as const) {
          const options = { readAhead, bufferSize, reuseBuffers };
          assert.deepEqual(await collect(file, options, mode), want, `${mode} ${JSON.stringify(options)}`);
        }
      }
    }
  }
});

test('from/to ranges read ahead only within the range, and read past it on demand', async () => {
  const list = Array.from({ length: 60 }, (_, i) => Buffer.alloc(10_000 + i, i));
  const { file, offsets } = writeFile('range.rec', list);
  for (const mode of ['sync', 'async'] as const) {
    // `to` inside record 40: records starting before it are read, the last one across the limit.
    const got = await collect(file, { from: offsets[10]!, to: offsets[40]! + 4, bufferSize: 4096 }, mode);
    assert.deepEqual(
      got.map(([o]) => o),
      offsets.slice(10, 41),
      mode,
    );
  }
});

test('a file cut short while it is scanned: a TRUNCATED error naming where it ended, sync and async', async () => {
  const list = Array.from({ length: 200 }, (_, i) => Buffer.alloc(50_000, i));
  for (const mode of ['sync', 'async'] as const) {
    const { file, offsets } = writeFile(`cut-${mode}.rec`, list);
    const cut = offsets[150]! + 100;
    const reader = RecordReader.open(file);
    const seen: number[] = [];
    const run = async () => {
      const scan = reader.scan({ bufferSize: 64 << 10, readAhead: 2 });
      const visit = (offset: number) => {
        if (seen.push(offset) === 1) fs.truncateSync(file, cut); // after the first chunks were asked for
      };
      if (mode === 'sync') for (const rec of scan) visit(rec.offset);
      else for await (const rec of scan) visit(rec.offset);
    };
    await assert.rejects(run(), (e: unknown) => {
      assert.ok(e instanceof RecordIOError, String(e));
      assert.equal(e.code, 'TRUNCATED');
      assert.match(e.message, new RegExp(`ended at byte ${cut}, before its announced size`));
      return true;
    });
    reader.close();
    assert.deepEqual(seen, offsets.slice(0, 150), mode);
  }
});

test('reader threads: a failed read is an fs-style error naming the file', { skip: !readerThreads.available && 'mxrec_io not built' }, async () => {
  const dir = tempDir();
  const fd = fs.openSync(dir, 'r'); // pread on a directory fails with EISDIR
  try {
    const source = { name: dir, size: 1 << 20, fd } as unknown as FileSource;
    for (const mode of ['sync', 'async'] as const) {
      const reads = ThreadReads.forSource(source, mode)!;
      const ticket = reads.start(Buffer.alloc(4096), 0, 4096, 0);
      const check = (e: unknown) => {
        assert.equal((e as NodeJS.ErrnoException).code, 'EISDIR');
        assert.equal((e as NodeJS.ErrnoException).syscall, 'read');
        assert.match((e as Error).message, new RegExp(`^EISDIR: .*, read '${dir}'$`));
        return true;
      };
      if (mode === 'sync') assert.throws(() => reads.waitSync(ticket), check);
      else await assert.rejects(reads.wait(ticket), check);
      reads.close();
    }
  } finally {
    fs.closeSync(fd);
  }
});

test('reader threads: scans left unfinished or closed early leave no thread, file or stuck process behind', { skip: !readerThreads.available && 'mxrec_io not built' }, () => {
  const { file } = writeFile('left.rec', Array.from({ length: 100 }, (_, i) => Buffer.alloc(100_000, i)));
  // A child process, so that it can force collections and must exit on its own.
  const script = `
    import fs from 'node:fs';
    import { RecordReader } from ${JSON.stringify(path.join(root, 'src/format/reader.ts'))};
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const file = ${JSON.stringify(file)};
    await fs.promises.stat(file); // libuv's pool threads start here, not during the scans
    const before = { fds: fds(), threads: threads() };
    // A function, so that nothing of the scans it drops stays reachable from here.
    async function abandon(i) {
      const reader = RecordReader.open(file);
      const it = reader.scan({ bufferSize: 64 << 10 })[i % 2 ? Symbol.asyncIterator : Symbol.iterator]();
      await it.next(); // then dropped without return(): the collector must stop its threads
      reader.close();
    }
    for (let i = 0; i < 20; i++) await abandon(i);
    for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    let n = 0;
    const reader = RecordReader.open(file);
    for await (const rec of reader.scan({ bufferSize: 64 << 10 })) if (rec.payload[0] === n) n++;
    reader.close();
    console.log(JSON.stringify({ n, fdsLeft: fds() - before.fds, threadsLeft: threads() - before.threads }));
  `;
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: root,
  });
  assert.equal(res.status, 0, `child failed (${res.signal ?? res.status}):\n${res.stderr}`);
  const out = JSON.parse(res.stdout.trim().split('\n').pop()!);
  assert.equal(out.n, 100, 'a whole async scan completes: outstanding reads keep the process alive');
  assert.equal(out.fdsLeft, 0, 'every reader thread queue closed its descriptor');
  assert.ok(out.threadsLeft <= 0, `reader threads left running: ${out.threadsLeft}`);
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { partitionRange, partitionSegments, readPartition } from '../../src/format/partition.js';
import { RecordFilesError, resolveRecordFiles } from '../../src/io/record-files.js';
import { RecordWriter } from '../../src/format/writer.js';
import { fixture } from '../helpers/fixtures.js';
import { randomBytes, rng, withMagicAt } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

test('step = ceil(total / N) rounded up to 4; the last parts may be clipped or empty', () => {
  assert.deepEqual([0, 1, 2].map((k) => partitionRange(532, 3, k)), [
    { begin: 0, end: 180 },
    { begin: 180, end: 360 },
    { begin: 360, end: 532 },
  ]);
  // 10 bytes in 4 parts: step 3 -> 4, so part 3 starts past the end and is empty
  assert.deepEqual(partitionRange(10, 4, 2), { begin: 8, end: 10 });
  assert.deepEqual(partitionRange(10, 4, 3), { begin: 10, end: 10 });
});

test('a record belongs to the part whose range holds its first byte (dmlc sample.rec in 3 parts)', () => {
  const uri = fixture('dmlc-sample/sample.rec');
  const ids = (k: number) => [...readPartition(uri, { numParts: 3, partIndex: k })].map((r) => r.payload.readUInt32LE(8));
  // heads at 0,52,...,468; ranges [0,180) [180,360) [360,532)
  assert.deepEqual([ids(0), ids(1), ids(2)], [
    [1, 2, 3, 4],
    [5, 6, 7],
    [8, 9, 10],
  ]);
});

test('bad part numbers are refused with what was expected and received', () => {
  const uri = fixture('dmlc-sample/sample.rec');
  assert.throws(() => readPartition(uri, { numParts: 0 }), /expected numParts as an integer >= 1, received 0/);
  assert.throws(() => readPartition(uri, { numParts: 4, partIndex: 4 }), /expected partIndex as an integer in 0\.\.3, received 4/);
  assert.throws(() => readPartition(uri, { numParts: 2.5 }), /received 2\.5/);
});

test('parts are disjoint, complete and in file order for any N, over several files', () => {
  const dir = tempDir();
  const next = rng(8);
  const all: number[] = [];
  const files: string[] = [];
  let id = 0;
  for (const count of [37, 0, 1, 90]) {
    const file = path.join(dir, `f${files.length}.rec`);
    const w = RecordWriter.create(file, { fsync: false });
    for (let i = 0; i < count; i++) {
      const body = randomBytes(next, 8 + Math.floor(next() * 400));
      if (i % 4 === 0) withMagicAt(body, [4]);
      body.writeUInt32LE(id, 0);
      all.push(id++);
      w.write(body);
    }
    w.close();
    files.push(file);
  }
  for (let n = 1; n <= 16; n++) {
    const seen: number[] = [];
    for (let k = 0; k < n; k++) {
      for (const rec of readPartition(files, { numParts: n, partIndex: k, bufferSize: 128 })) seen.push(rec.payload.readUInt32LE(0));
    }
    assert.deepEqual(seen, all, `N = ${n}`);
  }
});

test('segments: a part that begins inside a file scans for the next record start; other files are read whole', () => {
  const files = [
    { path: 'a', size: 100 },
    { path: 'b', size: 60 },
    { path: 'c', size: 40 },
  ];
  // total 200, 2 parts: step 100 -> part 1 = [100, 200) = all of b and c
  assert.deepEqual(partitionSegments(files, 2, 1), [
    { path: 'b', from: 0, to: 60, seek: false },
    { path: 'c', from: 0, to: 40, seek: false },
  ]);
  // 3 parts: step 68 -> part 1 = [68, 136): a from 68 (seek), b up to 36
  assert.deepEqual(partitionSegments(files, 3, 1), [
    { path: 'a', from: 68, to: 100, seek: true },
    { path: 'b', from: 0, to: 36, seek: false },
  ]);
});

test('a ;-list or a directory expands like dmlc: empty files dropped, missing paths named', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'x.rec'), Buffer.alloc(8));
  fs.writeFileSync(path.join(dir, 'empty.rec'), '');
  fs.mkdirSync(path.join(dir, 'sub'));
  assert.deepEqual(resolveRecordFiles(dir), [{ path: path.join(dir, 'x.rec'), size: 8 }]);
  assert.deepEqual(resolveRecordFiles(`${path.join(dir, 'x.rec')};${path.join(dir, 'empty.rec')}`).length, 1);
  assert.throws(() => resolveRecordFiles(path.join(dir, 'nope.rec')), (e: unknown) => e instanceof RecordFilesError && /nope\.rec: no such file or directory/.test(e.message));
  assert.throws(() => resolveRecordFiles(path.join(dir, 'empty.rec')), /no non-empty record files found/);
});

test('a part that starts past 2 GiB seeks to its first record (offsets beyond 32 bits; sparse file)', () => {
  // Record A at 0, zeros, record B at 2 GiB + 64 MiB: in 64 parts, part 63 starts in the zeros past 2 GiB and
  // seeks to B; part 62 holds only zeros. Rounding the start to a word with 32-bit operators sent the seek to
  // a negative offset (an internal error).
  const file = path.join(tempDir(), 'sparse.rec');
  const frame = (payload: string) => {
    const bytes = Buffer.alloc(8 + 4 * Math.ceil(payload.length / 4));
    bytes.writeUInt32LE(0xced7230a, 0);
    bytes.writeUInt32LE(payload.length, 4);
    bytes.write(payload, 8);
    return bytes;
  };
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, frame('A'), 0, undefined, 0);
  const b = 2 ** 31 + 2 ** 26;
  fs.writeSync(fd, frame('B'), 0, undefined, b);
  fs.closeSync(fd);
  const part = (k: number) => [...readPartition(file, { numParts: 64, partIndex: k })].map((r) => [r.offset, r.payload.toString()]);
  assert.ok(partitionRange(b + 12, 64, 63).begin > 2 ** 31);
  assert.deepEqual(part(63), [[b, 'B']]);
  assert.deepEqual(part(62), []);
});

/**
 * mxrec against dmlc-core itself (Debian libdmlc, through dmlc-harness.cc):
 * each side reads what the other writes, the files are byte-identical, and
 * every part of every partitioning holds the same records in the same order.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readPartition } from '../../src/format/partition.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { openRecordSource, readInputsSync } from '../../src/iter/record-source.js';
import { Rng } from '../../src/util/rng.js';
import { fromFrames, runHarness, skipWithoutDmlc, toFrames } from '../helpers/dmlc.js';
import { bigPayloads, edgePayloads, randomBytes, rng, withMagicAt } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

const skip = skipWithoutDmlc();

function writeOurs(file: string, payloads: Buffer[]): void {
  const w = RecordWriter.create(file, { fsync: false });
  for (const p of payloads) w.write(p);
  w.close();
}

/** Records of assorted sizes, about a third of them split into parts by embedded magics. */
function mixedPayloads(seed: number, count: number, maxLength: number): Buffer[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const len = Math.floor(next() * maxLength);
    const body = randomBytes(next, len);
    if (len >= 4) body.writeUInt32LE(i, len - 4); // unique tail marker where room allows
    if (i % 3 === 0 && len >= 8) withMagicAt(body, [4 * Math.floor((next() * (len - 4)) / 4)]);
    if (i % 7 === 0 && len >= 16) withMagicAt(body, [0, 8]);
    return body;
  });
}

function assertSamePayloads(actual: Buffer[], expected: Buffer[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: record count`);
  for (let i = 0; i < expected.length; i++) {
    if (!actual[i]!.equals(expected[i]!)) assert.fail(`${what}: record ${i} differs (${actual[i]!.length} vs ${expected[i]!.length} bytes)`);
  }
}

describe('libdmlc conformance', skip, () => {
  const dir = tempDir();
  const payloads = [...edgePayloads(11), ...bigPayloads(12), ...edgePayloads(13)];

  test('our writer -> dmlc RecordIOReader gives every payload back', () => {
    const file = path.join(dir, 'ours.rec');
    writeOurs(file, payloads);
    assertSamePayloads(fromFrames(runHarness(['read', file])), payloads, 'dmlc reading ours');
  });

  test('dmlc RecordIOWriter -> our reader gives every payload back, and the files are byte-identical', async () => {
    const theirs = path.join(dir, 'theirs.rec');
    runHarness(['write', theirs], toFrames(payloads));
    const reader = RecordReader.open(theirs);
    assertSamePayloads(
      [...reader].map((r) => r.payload),
      payloads,
      'ours reading dmlc (sync)',
    );
    const viaAsync: Buffer[] = [];
    for await (const r of reader.scan({ bufferSize: 1000 })) viaAsync.push(r.payload);
    assertSamePayloads(viaAsync, payloads, 'ours reading dmlc (async, small buffer)');
    reader.close();
    const ours = path.join(dir, 'ours-again.rec');
    writeOurs(ours, payloads);
    assert.ok(fs.readFileSync(ours).equals(fs.readFileSync(theirs)), 'byte-identical .rec files');
  });

  /** Reads part i of n with dmlc's InputSplit and with ours, and checks they agree; returns ours. */
  function comparePart(uri: string, n: number, i: number): Buffer[] {
    const theirs = fromFrames(runHarness(['split', uri, String(n), String(i)]));
    const ours = [...readPartition(uri, { numParts: n, partIndex: i, bufferSize: 512 })].map((r) => r.payload);
    assertSamePayloads(ours, theirs, `${path.basename(uri)} part ${i} of ${n}`);
    return ours;
  }

  function checkAllPartitionings(uri: string, all: Buffer[]): void {
    for (let n = 1; n <= 8; n++) {
      const union: Buffer[] = [];
      for (let i = 0; i < n; i++) union.push(...comparePart(uri, n, i));
      assertSamePayloads(union, all, `${path.basename(uri)}: parts of ${n} together`);
    }
  }

  test('partitioning one file into N = 1..8 parts matches InputSplit record for record', () => {
    const file = path.join(dir, 'one.rec');
    const list = mixedPayloads(21, 400, 300);
    writeOurs(file, list);
    checkAllPartitionings(file, list);
  });

  test('part boundaries that fall exactly on record starts', () => {
    // 16 records of 56 payload bytes = 64 bytes each: steps for N = 2, 4, 8 land on heads
    const file = path.join(dir, 'even.rec');
    const list = Array.from({ length: 16 }, (_, i) => Buffer.alloc(56, i));
    writeOurs(file, list);
    checkAllPartitionings(file, list);
  });

  test('partitioning several files (a;b;c, with an empty file and a huge record) matches InputSplit', () => {
    const a = mixedPayloads(31, 120, 500);
    const b = [randomBytes(rng(32), 40_000)]; // one record longer than most steps
    const c = mixedPayloads(33, 200, 90);
    const files = ['a.rec', 'empty.rec', 'b.rec', 'c.rec'].map((f) => path.join(dir, f));
    writeOurs(files[0]!, a);
    fs.writeFileSync(files[1]!, '');
    writeOurs(files[2]!, b);
    writeOurs(files[3]!, c);
    checkAllPartitionings(files.join(';'), [...a, ...b, ...c]);
  });

  test('partitioning a directory of .rec files follows dmlc (unsorted readdir order)', () => {
    const sub = path.join(dir, 'shards');
    fs.mkdirSync(sub);
    const all: Buffer[] = [];
    for (const name of ['s3.rec', 's1.rec', 's10.rec', 's2.rec']) {
      const list = mixedPayloads(name.length * 7 + name.charCodeAt(1), 60, 200);
      writeOurs(path.join(sub, name), list);
    }
    // the order both sides must use is the OS's; ask dmlc for the whole set to learn it
    all.push(...fromFrames(runHarness(['split', sub, '1', '0'])));
    assert.equal(all.length, 240);
    checkAllPartitionings(sub, all);
  });

  /** Part i of n as ImageRecordIter's indexed reader (pathImgidx, no shuffle) yields it. */
  async function ourIndexedPart(file: string, idx: string, n: number, i: number): Promise<Buffer[]> {
    const settings = {
      files: file,
      indexFiles: [idx],
      listFile: null,
      labelWidth: 1,
      remote: {},
      numParts: n,
      partIndex: i,
      shuffle: false,
      seed: 0,
      shuffleBuffer: 1,
      skipCorrupt: false,
    };
    const source = openRecordSource(settings, readInputsSync(settings));
    const out: Buffer[] = [];
    const records = source.records(0, () => assert.fail('no record is damaged'));
    for (let r = await records.next(); !r.done; r = await records.next()) out.push(Buffer.from(r.value.payload));
    source.close();
    return out;
  }

  /** Writes `list` with an .idx whose lines are out of order and whose keys are unlike the positions (dmlc sorts the offsets, ignores the keys). */
  function writeIndexed(name: string, list: Buffer[]): { file: string; idx: string } {
    const file = path.join(dir, `${name}.rec`);
    const w = RecordWriter.create(file, { fsync: false });
    const offsets = list.map((p) => w.write(p));
    w.close();
    const idx = path.join(dir, `${name}.idx`);
    const lines = offsets.map((offset, k) => `${1000 + ((k * 37) % offsets.length)}\t${offset}\n`);
    new Rng(42).shuffle(lines);
    fs.writeFileSync(idx, lines.join(''));
    return { file, idx };
  }

  test('the indexed split (pathImgidx) into N = 1..8 parts matches InputSplit "indexed_recordio" record for record', async () => {
    // 203 records divide evenly by none of 2..8; 3 records leave the parts past the third empty.
    for (const [name, list] of [['indexed', mixedPayloads(41, 203, 400)], ['three', mixedPayloads(43, 3, 100)]] as const) {
      const { file, idx } = writeIndexed(name, list);
      for (let n = 1; n <= 8; n++) {
        const union: Buffer[] = [];
        for (let i = 0; i < n; i++) {
          const theirs = fromFrames(runHarness(['isplit', file, idx, String(n), String(i)]));
          const ours = await ourIndexedPart(file, idx, n, i);
          assertSamePayloads(ours, theirs, `${name}: indexed part ${i} of ${n}`);
          union.push(...ours);
        }
        assertSamePayloads(union, list, `${name}: indexed parts of ${n} together`);
      }
    }
  });
});

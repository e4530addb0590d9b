import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { RecordIOError } from '../../src/format/errors.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { bigPayloads, edgePayloads } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

const payloads = edgePayloads(3);

function build(list: Buffer[]): { bytes: Buffer; offsets: number[] } {
  const w = RecordWriter.inMemory();
  const offsets = list.map((p) => w.write(p));
  return { bytes: w.toBuffer(), offsets };
}

test('sync and async iteration give every payload back, with offsets and ends', async () => {
  const { bytes, offsets } = build(payloads);
  const reader = RecordReader.open(bytes);
  const sync = [...reader];
  assert.equal(sync.length, payloads.length);
  sync.forEach((rec, i) => {
    assert.deepEqual(rec.payload, payloads[i], `record ${i}`);
    assert.equal(rec.offset, offsets[i]);
    assert.equal(rec.end, offsets[i + 1] ?? bytes.length);
  });
  const asyncRecs = [];
  for await (const rec of reader) asyncRecs.push(rec);
  assert.deepEqual(
    asyncRecs.map((r) => r.payload),
    payloads,
  );
});

test('records that span buffer refills read correctly at any buffer size', () => {
  const list = [...payloads, ...bigPayloads()];
  const { bytes } = build(list);
  for (const bufferSize of [64, 100, 4096, 1 << 20]) {
    const got = [...RecordReader.open(bytes).scan({ bufferSize })].map((r) => r.payload);
    assert.equal(got.length, list.length, `bufferSize ${bufferSize}`);
    got.forEach((p, i) => assert.ok(p.equals(list[i]!), `bufferSize ${bufferSize}, record ${i}`));
  }
});

test('reads from a file the same as from memory; parts counts the chunks', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'a.rec');
  const w = RecordWriter.create(file);
  payloads.forEach((p) => w.write(p));
  w.close();
  const reader = RecordReader.open(file);
  try {
    const recs = [...reader.scan({ bufferSize: 256 })];
    assert.deepEqual(
      recs.map((r) => r.payload),
      payloads,
    );
    assert.equal(recs[8]!.parts, 2, 'the magic alone is stored as two empty parts');
    assert.equal(recs[9]!.parts, 3);
    assert.equal(recs[1]!.parts, 1);
    assert.equal(recs[0]!.file, file);
    let n = 0;
    for await (const rec of reader.scan({ bufferSize: 256 })) assert.deepEqual(rec.payload, payloads[n++]);
    assert.equal(n, payloads.length);
  } finally {
    reader.close();
  }
});

test('random access by offset, sync and async', async () => {
  const { bytes, offsets } = build(payloads);
  const reader = RecordReader.open(bytes);
  for (const i of [5, 0, payloads.length - 1, 9, 8]) {
    assert.deepEqual(reader.readSync(offsets[i]!).payload, payloads[i]);
    assert.deepEqual((await reader.read(offsets[i]!)).payload, payloads[i]);
  }
  const big = bigPayloads();
  const b = build(big);
  assert.ok(RecordReader.open(b.bytes).readSync(b.offsets[1]!).payload.equals(big[1]!));
});

test('an offset that is not a record start is a NOT_A_RECORD_START error naming the offset', async () => {
  const { bytes, offsets } = build(payloads);
  const reader = RecordReader.open(bytes);
  const middleOfPayload = offsets[20]! + 8; // the data after a header
  for (const bad of [middleOfPayload, 2, bytes.length, bytes.length + 400, -4]) {
    assert.throws(
      () => reader.readSync(bad),
      (err: unknown) => err instanceof RecordIOError && err.code === 'NOT_A_RECORD_START' && err.offset === bad,
      `offset ${bad}`,
    );
  }
  // the middle part of a multi-part record is a chunk, but not a record start
  const recs = [...reader];
  const threeParts = recs.find((r) => r.parts === 3)!;
  await assert.rejects(reader.read(threeParts.offset + 8), (err: unknown) => {
    assert.ok(err instanceof RecordIOError);
    assert.equal(err.code, 'NOT_A_RECORD_START');
    assert.match(err.message, /^<buffer>: byte \d+: no record starts here/);
    return true;
  });
});

test('scan from/to reads the records whose first chunk lies in the range', () => {
  const { bytes, offsets } = build(payloads);
  const reader = RecordReader.open(bytes);
  const got = [...reader.scan({ from: offsets[10]!, to: offsets[15]! })].map((r) => r.offset);
  assert.deepEqual(got, offsets.slice(10, 15));
  // `to` inside a record still includes that record whole
  const partial = [...reader.scan({ from: offsets[3]!, to: offsets[4]! + 1 })];
  assert.deepEqual(
    partial.map((r) => r.payload),
    payloads.slice(3, 5),
  );
});

test('an empty file has no records', () => {
  assert.deepEqual([...RecordReader.open(Buffer.alloc(0))], []);
});

test('returned payloads stay valid after later reads', () => {
  const { bytes } = build(payloads);
  const kept = [...RecordReader.open(bytes).scan({ bufferSize: 64 })].map((r) => r.payload);
  kept.forEach((p, i) => assert.deepEqual(p, payloads[i]));
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BufferSource } from '../../src/io/byte-source.js';
import { RecordIOError } from '../../src/format/errors.js';
import { readPartition } from '../../src/format/partition.js';
import { RecordReader, ReusedReads } from '../../src/format/reader.js';
import { MAGIC_BYTES, encodeRecord } from '../../src/format/recordio.js';
import { RecordWriter } from '../../src/format/writer.js';
import { bigPayloads, edgePayloads } from '../helpers/random.js';
import { openDescriptorsOn, tempDir } from '../helpers/tmp.js';

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
  // an unaligned offset is refused even where the bytes there look like a chunk header
  const planted = Buffer.concat([Buffer.from('ab'), MAGIC_BYTES, Buffer.from([4, 0, 0, 0]), Buffer.from('wxyz')]);
  const framed = RecordReader.open(encodeRecord(planted));
  assert.throws(() => framed.readSync(8 + 2), (e: unknown) => e instanceof RecordIOError && e.code === 'NOT_A_RECORD_START');
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

test('reuseBuffers: the same records when each is used before the next, through refills and multi-part records', async () => {
  const list = [...payloads, ...bigPayloads(), ...payloads];
  const { bytes, offsets } = build(list);
  for (const bufferSize of [64, 1000, 1 << 20]) {
    let i = 0;
    for (const rec of RecordReader.open(bytes).scan({ reuseBuffers: true, bufferSize })) {
      assert.ok(rec.payload.equals(list[i]!), `bufferSize ${bufferSize}, record ${i}`);
      assert.equal(rec.offset, offsets[i]);
      i++;
    }
    assert.equal(i, list.length);
    i = 0;
    for await (const rec of RecordReader.open(bytes).scan({ reuseBuffers: true, bufferSize })) {
      assert.ok(rec.payload.equals(list[i++]!), `async, bufferSize ${bufferSize}, record ${i - 1}`);
    }
  }
});

test('reuseBuffers: a payload kept past the next refill is overwritten (the documented contract)', () => {
  const list = Array.from({ length: 50 }, (_, i) => Buffer.alloc(40, i));
  const { bytes } = build(list);
  const kept = [...RecordReader.open(bytes).scan({ reuseBuffers: true, bufferSize: 256 })].map((r) => r.payload);
  assert.ok(kept.some((p, i) => !p.equals(list[i]!)), 'stale views show later bytes');
  const safe = [...RecordReader.open(bytes).scan({ bufferSize: 256 })].map((r) => r.payload);
  assert.deepEqual(safe, list);
});

test('multi-part records: joined into one reused buffer with reuseBuffers, into their own memory otherwise', async () => {
  // Two records that each hold the magic at an aligned offset, so dmlc's writer splits them into parts.
  const split = (fill: number, size: number) => {
    const p = Buffer.alloc(size, fill);
    MAGIC_BYTES.copy(p, 8);
    return p;
  };
  const list = [split(1, 64), Buffer.alloc(12, 9), split(2, 40)];
  const { bytes } = build(list);
  const joined = (recs: { parts: number; payload: Buffer }[]) => recs.filter((r) => r.parts > 1).map((r) => r.payload);

  const reused = joined([...RecordReader.open(bytes).scan({ reuseBuffers: true })]);
  assert.equal(reused.length, 2);
  assert.ok(reused[0]!.subarray(0, 40).equals(list[2]!), 'the second join overwrote the first (the documented contract)');
  let i = 0;
  for await (const rec of RecordReader.open(bytes).scan({ reuseBuffers: true })) assert.ok(rec.payload.equals(list[i++]!));

  assert.deepEqual(joined([...RecordReader.open(bytes).scan()]), [list[0], list[2]]);
});

test('ReusedReads: a multi-part record in its span is joined from the bytes read once, into memory kept for the next', async () => {
  const split = (fill: number, size: number) => {
    const p = Buffer.alloc(size, fill);
    MAGIC_BYTES.copy(p, 8);
    return p;
  };
  const list = [split(1, 64), Buffer.alloc(12, 9), split(2, 40), split(3, 64)];
  const { bytes } = build(list);
  const reader = RecordReader.open(bytes);
  const starts = [...reader.scan()].map((r) => r.offset);
  const spans = starts.map((at, k) => (k + 1 < starts.length ? starts[k + 1]! : bytes.length) - at);
  let reads = 0;
  const readSync = reader.source.readSync.bind(reader.source);
  reader.source.readSync = (...args) => (reads++, readSync(...args));
  const reused = new ReusedReads(reader);
  const payloads: Buffer[] = [];
  for (const k of [3, 0, 2, 1]) {
    const record = reused.readSpanSync(starts[k]!, spans[k]!);
    assert.ok(record.payload.equals(list[k]!), `record ${k}`);
    assert.equal(record.parts, k === 1 ? 1 : 2);
    payloads.push(record.payload);
  }
  assert.equal(reads, 4, 'one read a record');
  assert.equal(payloads[0]!.buffer, payloads[1]!.buffer, 'joined into the same memory');
});

test('breaking out of a file scan closes the file; errors close it too', () => {
  const dir = tempDir();
  const file = path.join(dir, 'b.rec');
  const w = RecordWriter.create(file);
  payloads.forEach((p) => w.write(p));
  w.close();
  const scan = readPartition(file);
  for (const rec of scan) {
    assert.ok(rec);
    assert.ok(openDescriptorsOn(file) > 0, 'the file is open while reading');
    break;
  }
  assert.equal(openDescriptorsOn(file), 0, 'closed after break');
  fs.appendFileSync(file, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.throws(() => [...readPartition(file)], RecordIOError);
  assert.equal(openDescriptorsOn(file), 0, 'closed after an error');
});

test('a source that ends before its announced size: a TRUNCATED error in every mode, never a hang', async () => {
  const { bytes, offsets } = build([...payloads, ...bigPayloads()]);
  const cut = offsets[30]! + 6; // inside record 30's header
  const shortSource = () => {
    const real = new BufferSource(bytes.subarray(0, cut), 'shrunk.rec');
    return Object.assign(Object.create(real) as BufferSource, { size: bytes.length }); // claims the full size
  };
  for (const options of [{}, { reuseBuffers: true }, { bufferSize: 64 }, { readAhead: 0 }, { bufferSize: 64, reuseBuffers: true }]) {
    const sync: number[] = [];
    assert.throws(
      () => {
        for (const rec of new RecordReader(shortSource()).scan(options)) sync.push(rec.offset);
      },
      (e: unknown) => e instanceof RecordIOError && e.code === 'TRUNCATED',
      JSON.stringify(options),
    );
    assert.deepEqual(sync, offsets.slice(0, 30));
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const rec of new RecordReader(shortSource()).scan(options)) got.push(rec.offset);
      })(),
      (e: unknown) => e instanceof RecordIOError && e.code === 'TRUNCATED',
      JSON.stringify(options),
    );
    assert.deepEqual(got, offsets.slice(0, 30));
  }
  for (const boundary of [cut, offsets[30]!]) {
    // recovery: the whole records, one skip for the loss, and an end (mid-record, or at a record boundary)
    const skips: number[] = [];
    const real = new BufferSource(bytes.subarray(0, boundary), 'shrunk.rec');
    const source = Object.assign(Object.create(real) as BufferSource, { size: bytes.length });
    const scan = new RecordReader(source).scan({ recover: true, onSkip: (e) => skips.push(e.offset) });
    const got: number[] = [];
    for await (const rec of scan) got.push(rec.offset);
    assert.deepEqual(got, offsets.slice(0, 30));
    assert.deepEqual(skips, [offsets[30]], `ended at ${boundary}`);
    assert.equal(scan.skipped.records, 1);
  }
});

test('async: leaving a scan early waits for reads in flight, then closes the file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'ra.rec');
  const w = RecordWriter.create(file);
  for (let i = 0; i < 40; i++) w.write(Buffer.alloc(100_000, i));
  w.close();
  let seen = 0;
  for await (const rec of readPartition(file, { bufferSize: 64 << 10, readAhead: 4 })) {
    assert.equal(rec.payload[0], seen);
    assert.ok(openDescriptorsOn(file) > 0, 'open while reading');
    if (++seen === 3) break;
  }
  assert.equal(openDescriptorsOn(file), 0, 'closed after break');
  // and a full pass with read-ahead gives everything, in order
  let n = 0;
  for await (const rec of readPartition(file, { bufferSize: 64 << 10, readAhead: 4, reuseBuffers: true })) assert.equal(rec.payload[99_999], n++);
  assert.equal(n, 40);
});

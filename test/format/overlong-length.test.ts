// A length that lies longer than its record swallows the records after it: a plain recovering scan
// returns them inside the lying record's payload; with checkSwallowed the lying record is stepped over
// (OVERLONG_LENGTH) and the swallowed ones are read, byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordReader, type SkipEvent } from '../../src/format/reader.js';
import { encodeRecord } from '../../src/format/recordio.js';

function file(payloads: Buffer[]): { bytes: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  let at = 0;
  const chunks = payloads.map((p) => {
    offsets.push(at);
    const c = encodeRecord(p);
    at += c.length;
    return c;
  });
  return { bytes: Buffer.concat(chunks), offsets };
}

test('checkSwallowed: a length that lies longer gives back the records it swallowed; without it they stay inside the lie', () => {
  const payloads = Array.from({ length: 6 }, (_, i) => Buffer.alloc(50 + i, i + 1));
  const { bytes, offsets } = file(payloads);
  bytes.writeUInt32LE(150, offsets[1]! + 4); // record 1 claims 150 bytes: records 2 and part of 3

  const plain = [...RecordReader.open(bytes).scan({ recover: true })];
  assert.deepEqual(plain.map((r) => r.offset), [offsets[0], offsets[1], offsets[4], offsets[5]]);

  const skips: SkipEvent[] = [];
  const checked = [...RecordReader.open(bytes).scan({ recover: true, checkSwallowed: true, onSkip: (e) => skips.push(e) })];
  assert.deepEqual(checked.map((r) => r.offset), [offsets[0], ...offsets.slice(2)]);
  assert.deepEqual(checked.map((r) => Buffer.from(r.payload)), [payloads[0], ...payloads.slice(2)]);
  assert.deepEqual(skips.map((e) => [e.offset, e.resumeAt, e.error.code]), [[offsets[1], offsets[2], 'OVERLONG_LENGTH']]);
  assert.match(skips[0]!.error.message, /declares 150 bytes, but a record starts inside them at byte 120/);
});

test('checkSwallowed leaves a sound file, and a payload holding the magic where no record could start, as they are', () => {
  const odd = Buffer.alloc(64, 7);
  odd.writeUInt32LE(0xced7230a, 8); // split by the writer: a record in two parts, not checked
  const stray = Buffer.alloc(64, 7);
  const { bytes, offsets } = file([Buffer.from('a'), odd, Buffer.from('b'), stray]);
  // An aligned magic followed by a middle part's cflag: no record could start there.
  const strayAt = offsets[3]! + 8 + 16;
  bytes.writeUInt32LE(0xced7230a, strayAt);
  bytes.writeUInt32LE((2 << 29) | 4, strayAt + 4);
  const skips: SkipEvent[] = [];
  const records = [...RecordReader.open(bytes).scan({ recover: true, checkSwallowed: true, onSkip: (e) => skips.push(e) })];
  assert.deepEqual(records.map((r) => r.offset), offsets);
  assert.deepEqual(skips, []);
});

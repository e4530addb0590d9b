import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImageRecordError } from '../../src/format/errors.js';
import {
  IMAGE_HEADER_SIZE,
  packHeader,
  packImageRecord,
  tryUnpackImageRecord,
  unpackHeader,
  unpackImageRecord,
} from '../../src/format/image-record.js';

const jpegish = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

test('the header is struct IfQQ, little-endian: flag u32, label f32, id u64, id2 u64', () => {
  const h = packHeader({ flag: 0, label: 3.5, id: 7, id2: 0 });
  assert.equal(h.length, IMAGE_HEADER_SIZE);
  // 3.5f = 0x40600000
  assert.deepEqual(h, Buffer.from('00000000' + '00006040' + '0700000000000000' + '0000000000000000', 'hex'));
  assert.deepEqual(unpackHeader(h), { flag: 0, label: 3.5, id: 7, id2: 0 });
});

test('a single label goes in the header with flag 0', () => {
  const payload = packImageRecord({ label: 2, id: 42 }, jpegish);
  assert.equal(payload.length, IMAGE_HEADER_SIZE + jpegish.length);
  const rec = unpackImageRecord(payload);
  assert.deepEqual({ ...rec, image: [...rec.image] }, { flag: 0, label: [2], headerLabel: 2, id: 42, id2: 0, image: [...jpegish] });
});

test('several labels are packed as float32 after the header, flag = count, header label 0 (MXNet pack)', () => {
  const payload = packImageRecord({ label: [1, 0.5, 3, 4], id: 9 }, jpegish);
  assert.equal(payload.readUInt32LE(0), 4);
  assert.equal(payload.readFloatLE(4), 0);
  assert.equal(payload.readFloatLE(24 + 4), 0.5);
  const rec = unpackImageRecord(payload);
  assert.equal(rec.flag, 4);
  assert.deepEqual(rec.label, [1, 0.5, 3, 4]);
  assert.deepEqual(rec.image, jpegish);
  // im2rec.cc keeps the first label in the header field too
  assert.equal(unpackImageRecord(packImageRecord({ label: [6, 1], headerLabel: 6 }, jpegish)).headerLabel, 6);
  // flag 1 still means one packed label, not the header's
  const one = unpackImageRecord(packImageRecord({ label: [0.25] }, jpegish));
  assert.deepEqual([one.flag, one.label, one.headerLabel], [1, [0.25], 0]);
});

test('labels are float32: values round as MXNet stores them', () => {
  const rec = unpackImageRecord(packImageRecord({ label: [0.1] }, jpegish));
  assert.equal(rec.label[0], Math.fround(0.1));
});

test('ids up to 2^53 round-trip; bigint ids are accepted', () => {
  const big = 2 ** 53 - 1;
  assert.equal(unpackImageRecord(packImageRecord({ label: 0, id: big, id2: 2 ** 40 }, jpegish)).id, big);
  assert.equal(unpackImageRecord(packImageRecord({ label: 0, id: 5n }, jpegish)).id, 5);
});

test('bad header values are refused with what was expected and received', () => {
  assert.throws(() => packImageRecord({ label: 0, id: -1 }, jpegish), /expected id as a non-negative integer below 2\^64, received -1/);
  assert.throws(() => packImageRecord({ label: 0, id: 1.5 }, jpegish), /received 1\.5/);
  assert.throws(() => packHeader({ flag: -1, label: 0, id: 0, id2: 0 }), /expected flag as an integer in 0\.\.2\^32-1, received -1/);
});

test('payloads that are not image records: an error from unpack, null from tryUnpack', () => {
  const short = Buffer.alloc(23);
  assert.throws(() => unpackImageRecord(short), (e: unknown) => e instanceof ImageRecordError && /23 bytes, too short/.test(e.message));
  assert.equal(tryUnpackImageRecord(short), null);
  const lying = packHeader({ flag: 3, label: 0, id: 0, id2: 0 }); // says 12 label bytes follow; none do
  assert.throws(() => unpackImageRecord(Buffer.concat([lying, Buffer.alloc(8)])), /flag says 3 float32 labels follow, but only 8 bytes do/);
  assert.equal(tryUnpackImageRecord(Buffer.concat([lying, Buffer.alloc(8)])), null);
  const huge = packHeader({ flag: 0xffffffff, label: 0, id: 0, id2: 0 });
  assert.equal(tryUnpackImageRecord(huge), null);
  // exactly enough bytes for the labels and an empty image is still a record
  const exact = tryUnpackImageRecord(Buffer.concat([lying, Buffer.alloc(12)]));
  assert.equal(exact?.image.length, 0);
});

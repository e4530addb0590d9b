import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAGIC_BYTES, encodeRecord, encodedSize, findCuts, planChunks } from '../../src/format/recordio.js';
import { edgePayloads, randomBytes, rng } from '../helpers/random.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('a short payload is one chunk, cflag 0, padded with zeros to 4 bytes', () => {
  assert.deepEqual(encodeRecord(Buffer.from('abc')), hex('0a23d7ce 03000000 61626300'));
  assert.deepEqual(encodeRecord(Buffer.from('abcd')), hex('0a23d7ce 04000000 61626364'));
  assert.deepEqual(encodeRecord(Buffer.alloc(0)), hex('0a23d7ce 00000000'));
});

test('an aligned magic splits the payload into first/last parts and is dropped', () => {
  // "abcd" MAGIC "e": part 1 (cflag 1) "abcd", part 2 (cflag 3) "e" padded
  const payload = Buffer.concat([Buffer.from('abcd'), MAGIC_BYTES, Buffer.from('e')]);
  assert.deepEqual(
    encodeRecord(payload),
    hex('0a23d7ce 04000020 61626364  0a23d7ce 01000060 65000000'),
  );
});

test('magic at offset 0 and back to back gives empty parts with cflags 1, 2, 3', () => {
  const payload = Buffer.concat([MAGIC_BYTES, MAGIC_BYTES]);
  assert.deepEqual(
    encodeRecord(payload),
    hex('0a23d7ce 00000020  0a23d7ce 00000040  0a23d7ce 00000060'),
  );
});

test('an unaligned magic, or one in the trailing partial word, is left in place', () => {
  const unaligned = Buffer.concat([Buffer.from('ab'), MAGIC_BYTES, Buffer.from('cd')]);
  assert.deepEqual(findCuts(unaligned), []);
  // length 7: only offsets < floor(7/4)*4 = 4 are whole words, so a magic at 3 is not a cut
  const tail = Buffer.concat([Buffer.from('abc'), MAGIC_BYTES]);
  assert.deepEqual(findCuts(tail), []);
  // length 8 with the magic at 4: a whole word, so it is cut and the last part is empty
  const end = Buffer.concat([Buffer.from('abcd'), MAGIC_BYTES]);
  assert.deepEqual(findCuts(end), [4]);
  assert.deepEqual(encodeRecord(end), hex('0a23d7ce 04000020 61626364  0a23d7ce 00000060'));
});

test('findCuts finds aligned magics after an unaligned one', () => {
  const buf = Buffer.alloc(24);
  MAGIC_BYTES.copy(buf, 1);
  MAGIC_BYTES.copy(buf, 8);
  MAGIC_BYTES.copy(buf, 16);
  assert.deepEqual(findCuts(buf), [8, 16]);
  assert.deepEqual(planChunks(24, [8, 16]), [
    [1, 0, 8],
    [2, 12, 16],
    [3, 20, 24],
  ]);
});

test('encodedSize agrees with the bytes encodeRecord produces', () => {
  for (const p of edgePayloads(7)) {
    assert.equal(encodeRecord(p).length, encodedSize(p.length, findCuts(p)), `payload of ${p.length} bytes`);
  }
});

test('a part longer than 2^29-1 bytes is refused with what was expected and received', () => {
  // Allocate once, shared: the check fires before any copying.
  const big = Buffer.alloc(2 ** 29);
  assert.throws(() => encodeRecord(big), /expected at most 536870911 bytes per part, received 536870912/);
});

test('findCuts and the dmlc writer loop agree on random data salted with magics', () => {
  const next = rng(99);
  for (let k = 0; k < 300; k++) {
    const len = Math.floor(next() * 64);
    const buf = randomBytes(next, len);
    for (let j = 0; j < 3 && len >= 4; j++) MAGIC_BYTES.copy(buf, Math.floor(next() * (len - 3)));
    // dmlc's loop, written out: every whole aligned word that equals the magic
    const expected: number[] = [];
    for (let i = 0; i + 4 <= (len & ~3); i += 4) if (buf.subarray(i, i + 4).equals(MAGIC_BYTES)) expected.push(i);
    assert.deepEqual(findCuts(buf), expected);
  }
});

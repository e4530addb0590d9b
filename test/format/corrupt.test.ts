/**
 * Damaged files: truncated at every offset, every byte flipped, lengths that
 * lie, random garbage. Reading must end in a RecordIOError (strict) or a
 * recovered read (recover: true), never another exception, a hang or an
 * allocation larger than the file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferSource } from '../../src/io/byte-source.js';
import { RecordIOError } from '../../src/format/errors.js';
import { type RecordIORecord, RecordReader, type SkipEvent } from '../../src/format/reader.js';
import { MAGIC_BYTES } from '../../src/format/recordio.js';
import { RecordWriter } from '../../src/format/writer.js';
import { randomBytes, rng, withMagicAt } from '../helpers/random.js';

const next = rng(77);
const originals: Buffer[] = [
  Buffer.from('first'),
  withMagicAt(randomBytes(next, 29), [8]), // two parts
  Buffer.alloc(0),
  randomBytes(next, 13),
  withMagicAt(randomBytes(next, 24), [0, 4, 16]), // four parts, two empty
  randomBytes(next, 3),
  Buffer.concat([MAGIC_BYTES]),
  randomBytes(next, 40),
];
const w = RecordWriter.inMemory();
const offsets = originals.map((p) => w.write(p));
const file = w.toBuffer();
const ends = [...offsets.slice(1), file.length];

/** Reads everything; returns the records and the error that stopped it, if any. */
function readAll(bytes: Buffer, recover = false): { records: RecordIORecord[]; error?: unknown; skips: SkipEvent[] } {
  const records: RecordIORecord[] = [];
  const skips: SkipEvent[] = [];
  try {
    for (const rec of RecordReader.open(bytes).scan({ recover, onSkip: (e) => skips.push(e), bufferSize: 64 })) records.push(rec);
    return { records, skips };
  } catch (error) {
    return { records, error, skips };
  }
}

function assertIntactPrefix(records: RecordIORecord[], count: number, what: string): void {
  for (let i = 0; i < count; i++) {
    assert.equal(records[i]?.offset, offsets[i], `${what}: record ${i} offset`);
    assert.ok(records[i]!.payload.equals(originals[i]!), `${what}: record ${i} payload`);
  }
}

test('truncated at every offset: the whole records before the cut, then a typed error naming a byte', () => {
  for (let cut = 0; cut <= file.length; cut++) {
    const bytes = file.subarray(0, cut);
    const whole = ends.filter((e) => e <= cut).length;
    const strict = readAll(bytes);
    assert.equal(strict.records.length, whole, `cut at ${cut}`);
    assertIntactPrefix(strict.records, whole, `cut at ${cut}`);
    if (cut === 0 || ends.includes(cut)) {
      assert.equal(strict.error, undefined, `cut at a record boundary (${cut}) is a clean end`);
    } else {
      assert.ok(strict.error instanceof RecordIOError, `cut at ${cut}: ${String(strict.error)}`);
      assert.ok(['TRUNCATED', 'TRAILING_BYTES'].includes(strict.error.code), `cut at ${cut}: ${strict.error.code}`);
      assert.ok(strict.error.offset >= offsets[whole]! && strict.error.offset <= cut, `cut at ${cut}: error at ${strict.error.offset}`);
      assert.match(strict.error.message, /^<buffer>: byte \d+: /);

      const recovered = readAll(bytes, true);
      assert.equal(recovered.error, undefined);
      assert.equal(recovered.records.length, whole);
      assert.equal(recovered.skips.length, 1, `cut at ${cut}: one damaged stretch`);
      assert.deepEqual([recovered.skips[0]!.offset, recovered.skips[0]!.resumeAt], [offsets[whole], cut]);
    }
  }
});

test('every byte flipped: a typed error or the right records, never anything else', () => {
  for (let pos = 0; pos < file.length; pos++) {
    const bytes = Buffer.from(file);
    bytes[pos]! ^= 0xff;
    const damaged = ends.findIndex((e) => pos < e); // the record whose bytes were hit
    for (const recover of [false, true]) {
      const { records, error } = readAll(bytes, recover);
      const what = `flip at ${pos}${recover ? ' (recover)' : ''}`;
      if (error !== undefined) {
        assert.ok(!recover, `${what}: recovery mode threw ${String(error)}`);
        assert.ok(error instanceof RecordIOError, `${what}: ${String(error)}`);
      }
      assertIntactPrefix(records, damaged, what);
      let last = -1;
      for (const rec of records) {
        assert.ok(rec.offset > last, `${what}: offsets increase`);
        last = rec.offset;
        const i = offsets.indexOf(rec.offset);
        if (rec.offset !== offsets[damaged]) {
          assert.ok(i >= 0 && rec.payload.equals(originals[i]!), `${what}: record at ${rec.offset} is an original`);
        }
      }
      if (recover) {
        // a flip inside a single-part record's data leaves the framing intact: all records come back
        const headerEnd = offsets[damaged]! + 8;
        if (originals[damaged]!.length > 0 && pos >= headerEnd && [0, 2, 3, 5, 7].includes(damaged) && pos < headerEnd + originals[damaged]!.length) {
          assert.equal(records.length, originals.length, what);
        }
      }
    }
  }
});

test('a lying length is a TRUNCATED error at that chunk; nothing is allocated beyond the file size', () => {
  for (const length of [2 ** 29 - 1, file.length, file.length - offsets[3]! - 7, 1_000_000]) {
    const bytes = Buffer.from(file);
    bytes.writeUInt32LE(length, offsets[3]! + 4); // cflag 0, lying length
    let largest = 0;
    const source = new BufferSource(bytes, 'lying.rec');
    const spy = Object.assign(Object.create(source) as BufferSource, {
      readSync(buffer: Buffer, offset: number, len: number, position: number) {
        largest = Math.max(largest, buffer.length);
        return source.readSync(buffer, offset, len, position);
      },
    });
    const reader = new RecordReader(spy);
    const got: number[] = [];
    assert.throws(
      () => {
        for (const rec of reader.scan({ bufferSize: 64 })) got.push(rec.offset);
      },
      (err: unknown) =>
        err instanceof RecordIOError &&
        err.code === 'TRUNCATED' &&
        err.offset === offsets[3] &&
        err.message === `lying.rec: byte ${offsets[3]}: chunk declares ${length} bytes but the file ends at byte ${file.length}`,
    );
    assert.deepEqual(got, offsets.slice(0, 3));
    assert.ok(largest <= file.length, `largest read buffer ${largest} <= file size ${file.length}`);
    // random access to the same record fails the same way
    assert.throws(() => reader.readSync(offsets[3]!), /chunk declares/);
  }
});

test('broken part sequences are BAD_SEQUENCE errors; bad cflags are BAD_CFLAG', () => {
  const lrec = (cflag: number, len: number) => ((cflag << 29) | len) >>> 0;
  // record 1 is two parts: turn its last part (cflag 3) into a record start (cflag 0)
  const secondPart = offsets[1]! + 8 + 8; // first part holds 8 bytes
  let bytes = Buffer.from(file);
  bytes.writeUInt32LE(lrec(0, bytes.readUInt32LE(secondPart + 4) & (2 ** 29 - 1)), secondPart + 4);
  let res = readAll(bytes);
  assert.ok(res.error instanceof RecordIOError && res.error.code === 'BAD_SEQUENCE' && res.error.offset === secondPart, String(res.error));
  assert.match(String((res.error as Error).message), /multi-part record at byte \d+ has no last part/);
  // a last part where a record should start
  bytes = Buffer.from(file);
  bytes.writeUInt32LE(lrec(3, 5), offsets[0]! + 4);
  res = readAll(bytes);
  assert.ok(res.error instanceof RecordIOError && res.error.code === 'BAD_SEQUENCE' && res.error.offset === 0);
  // cflag 5 does not exist
  bytes = Buffer.from(file);
  bytes.writeUInt32LE(lrec(5, 5), offsets[0]! + 4);
  res = readAll(bytes);
  assert.ok(res.error instanceof RecordIOError && res.error.code === 'BAD_CFLAG');
  // in recovery all three lose only the damaged record
  const recovered = readAll(bytes, true);
  assert.equal(recovered.records.length, originals.length - 1);
});

test('recovery reports skipped records and bytes, and resumes at the next record start', () => {
  const bytes = Buffer.from(file);
  MAGIC_BYTES.copy(bytes, offsets[3]!, 1); // break record 3's magic
  bytes.fill(0xee, offsets[5]!, offsets[5]! + 4); // and record 5's
  const skips: SkipEvent[] = [];
  const scan = RecordReader.open(bytes).scan({ recover: true, onSkip: (e) => skips.push(e) });
  const got = [...scan];
  assert.deepEqual(
    got.map((r) => r.offset),
    offsets.filter((_, i) => i !== 3 && i !== 5),
  );
  assert.deepEqual(
    skips.map((s) => [s.offset, s.resumeAt, s.error.code]),
    [
      [offsets[3], offsets[4], 'BAD_MAGIC'],
      [offsets[5], offsets[6], 'BAD_MAGIC'],
    ],
  );
  assert.deepEqual(scan.skipped, { records: 2, bytes: offsets[4]! - offsets[3]! + offsets[6]! - offsets[5]! });
});

test('random garbage: NOT_RECORDIO at byte 0; recovery looks through it all, then says the same', () => {
  const junk = randomBytes(rng(5), 100_000);
  const strict = readAll(junk);
  assert.ok(strict.error instanceof RecordIOError && strict.error.code === 'NOT_RECORDIO' && strict.error.offset === 0, String(strict.error));
  const recovered = readAll(junk, true);
  assert.ok(recovered.error instanceof RecordIOError && recovered.error.code === 'NOT_RECORDIO', String(recovered.error));
  assert.equal(recovered.records.length, 0);
  // file sizes that are not a multiple of 4
  for (const extra of [1, 2, 3, 5, 7]) {
    const res = readAll(Buffer.concat([file, Buffer.alloc(extra)]));
    assert.equal(res.records.length, originals.length);
    assert.ok(res.error instanceof RecordIOError, `extra ${extra}`);
    assert.equal((res.error as RecordIOError).offset, file.length);
  }
});

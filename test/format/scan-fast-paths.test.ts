/**
 * The fast paths of whole-file reads: RecordScan.forEach (synchronous for
 * files and buffers, asynchronous for URLs, the event loop still running),
 * the cursor's whole-record path next to its general decoder, and verify's
 * aligned-magic count (the addon's word compare, or findCuts without it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordReader } from '../../src/format/reader.js';
import { CFlag, MAGIC, MAGIC_BYTES, encodeLRecord, findCuts } from '../../src/format/recordio.js';
import { RecordWriter } from '../../src/format/writer.js';
import { countCuts, verifyRecordFile } from '../../src/tools/verify.js';
import { serveDir } from '../helpers/http-server.js';
import { edgePayloads, randomBytes, rng, withMagicAt } from '../helpers/random.js';
import { tempDir } from '../helpers/tmp.js';

test('countCuts counts what findCuts finds: aligned magics only, up to the last whole word, at any memory offset', () => {
  const next = rng(41);
  const cases: Buffer[] = [...edgePayloads(5)];
  for (let length = 0; length < 24; length++) {
    for (let at = 0; at + 4 <= length + 3; at++) {
      const bytes = Buffer.alloc(length);
      if (at + 4 <= length) MAGIC_BYTES.copy(bytes, at);
      else MAGIC_BYTES.copy(bytes, at, 0, Math.max(0, length - at)); // a magic cut off by the end
      cases.push(bytes);
    }
  }
  for (let i = 0; i < 200; i++) {
    const length = Math.floor(next() * 5000);
    const at = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * Math.max(length - 3, 1)));
    cases.push(withMagicAt(randomBytes(next, length), at.filter((p) => p + 4 <= length)));
  }
  for (const bytes of cases) {
    const expected = findCuts(bytes).length;
    assert.equal(countCuts(bytes), expected, `length ${bytes.length}`);
    // The same bytes at an odd address in memory: alignment is counted from the payload's start.
    const shifted = Buffer.alloc(bytes.length + 1).fill(0x0a);
    bytes.copy(shifted, 1);
    assert.equal(countCuts(shifted.subarray(1)), expected, `length ${bytes.length}, at an odd address`);
  }
});

test('verify reports a whole record that holds an aligned magic, not one that the writer split', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'unsplit.rec');
  const withMagic = withMagicAt(Buffer.alloc(64, 7), [16]);
  const w = RecordWriter.create(file, { fsync: false });
  w.write(Buffer.from('first'));
  w.write(withMagic); // split by the writer into two parts: fine
  w.close();
  // Append the same payload as one chunk, as a writer that does not split would.
  const head = Buffer.alloc(8);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(encodeLRecord(CFlag.Whole, withMagic.length), 4);
  const bad = fs.statSync(file).size;
  fs.appendFileSync(file, Buffer.concat([head, withMagic]));

  const report = await verifyRecordFile(file);
  assert.equal(report.records, 3);
  assert.equal(report.multiPart, 1);
  assert.deepEqual(
    report.problems.map((p) => [p.code, p.offset]),
    [['UNSPLIT_MAGIC', bad]],
  );
});

test('RecordScan.forEach reads files synchronously and URLs asynchronously, with the same records', async () => {
  const dir = tempDir();
  const payloads = edgePayloads(9);
  const w = RecordWriter.create(path.join(dir, 'a.rec'), { fsync: false });
  for (const p of payloads) w.write(p);
  w.close();
  const local = RecordReader.open(path.join(dir, 'a.rec'));
  assert.equal(local.scan().syncReads, true);
  const seen: Buffer[] = [];
  await local.scan().forEach((r) => void seen.push(Buffer.from(r.payload)));
  assert.deepEqual(seen, payloads);
  local.close();

  const server = await serveDir(dir);
  try {
    const remote = await RecordReader.openAsync(`${server.url}/a.rec`);
    assert.equal(remote.scan().syncReads, false);
    const remoteSeen: Buffer[] = [];
    await remote.scan().forEach((r) => void remoteSeen.push(Buffer.from(r.payload)));
    assert.deepEqual(remoteSeen, payloads);
    remote.close();
  } finally {
    await server.close();
  }
});

test('RecordScan.forEach waits for a visit that returns a promise: payloads stay valid with reuseBuffers', async () => {
  const { file, payloads } = manyRecords();
  const reader = RecordReader.open(file);
  let i = 0;
  try {
    await reader.scan({ reuseBuffers: true, bufferSize: 4096 }).forEach((record) => {
      const expected = payloads[i++]!;
      if (i % 500 !== 0) {
        assert.deepEqual(record.payload, expected);
        return undefined;
      }
      // The payload must still be this record's when the visit resumes.
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          assert.deepEqual(record.payload, expected);
          resolve();
        }, 2),
      );
    });
  } finally {
    reader.close();
  }
  assert.equal(i, payloads.length);
});

test('RecordScan.forEach lets the event loop run during a long synchronous scan', async () => {
  const { file, payloads } = manyRecords();
  const reader = RecordReader.open(file);
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 5);
  try {
    await reader.scan().forEach(() => {
      const spin = performance.now() + 0.1; // 3000 records: about 300 ms of visits that never wait
      while (performance.now() < spin);
    });
  } finally {
    clearInterval(timer);
    reader.close();
  }
  assert.ok(ticks >= 2, `a 5 ms timer ran ${ticks} times during a scan of ${payloads.length} records and about 300 ms`);
});

function manyRecords(): { file: string; payloads: Buffer[] } {
  const file = path.join(tempDir(), 'many.rec');
  const next = rng(3);
  const payloads = Array.from({ length: 3000 }, (_, i) => randomBytes(next, 200 + (i % 700)));
  const w = RecordWriter.create(file, { fsync: false });
  for (const p of payloads) w.write(p);
  w.close();
  return { file, payloads };
}

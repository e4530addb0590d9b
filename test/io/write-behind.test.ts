// A local output hands its bytes to the disk as it grows (the io addon's
// startWriteback, every 8 MiB), so that the fsync before publishing is not
// left all of them to write; the bytes published are the bytes written.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { AtomicFile } from '../../src/io/atomic-file.js';
import { loadAddon } from '../../src/native/load-addon.js';
import { tempDir } from '../helpers/tmp.js';

type Io = { startWriteback(fd: number, offset: number, length: number): void };
// The loader atomic-file.ts uses: the same exports object (require's cache), null when it has none
// (not built, or MXREC_NO_NATIVE=1), and then there is nothing to see.
const { addon: io, reason } = loadAddon<Io>('mxrec_io');
if (process.env.CI === 'true' && process.env.MXREC_NO_NATIVE !== '1') assert.ok(io, `mxrec_io did not load: ${reason}`);

/** The [offset, length] of each startWriteback call until the test ends. */
function seeWriteback(t: TestContext, io: Io): Array<[number, number]> {
  const calls: Array<[number, number]> = [];
  const real = io.startWriteback;
  io.startWriteback = (fd, offset, length) => {
    calls.push([offset, length]);
    real(fd, offset, length);
  };
  t.after(() => {
    io.startWriteback = real;
  });
  return calls;
}

test('writes past 8 MiB start their writeback in order, each range once, and the file is whole', (t) => {
  if (!io) return t.skip(`the io addon is not loaded: ${reason}`);
  const calls = seeWriteback(t, io);
  const file = path.join(tempDir(), 'out.bin');
  const out = AtomicFile.create(file);
  const hash = crypto.createHash('sha256');
  const piece = crypto.randomBytes(3 << 20); // 3 MiB pieces: ranges do not fall on piece edges
  for (let i = 0; i < 7; i++) {
    const bytes = piece.subarray(i, piece.length - i);
    if (i % 2) out.writevSync([bytes.subarray(0, 100), bytes.subarray(100)]);
    else out.writeSync(bytes);
    hash.update(bytes);
  }
  out.finish();
  out.publish();
  assert.ok(calls.length >= 2, `expected startWriteback for 21 MiB written, received ${calls.length} calls`);
  let next = 0;
  for (const [offset, length] of calls) {
    assert.equal(offset, next, 'ranges follow each other');
    assert.ok(length >= 8 << 20);
    next = offset + length;
  }
  assert.ok(next <= fs.statSync(file).size);
  assert.equal(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), hash.digest('hex'));
});

test('a file continued after an interrupted run hands on its ranges from where it was continued', (t) => {
  if (!io) return t.skip(`the io addon is not loaded: ${reason}`);
  const calls = seeWriteback(t, io);
  const dir = tempDir();
  const temp = path.join(dir, 'out.bin.partial');
  const kept = 5 << 20;
  fs.writeFileSync(temp, crypto.randomBytes(kept + 1000)); // what the interrupted run left, 1000 bytes past what it kept
  const out = AtomicFile.create(path.join(dir, 'out.bin'), { tempPath: temp, continueAt: kept });
  out.writeSync(crypto.randomBytes(9 << 20));
  out.finish();
  assert.deepEqual(calls, [[kept, 9 << 20]]);
});

test('startWriteback refuses what is not a descriptor and a range', (t) => {
  if (!io) return t.skip(`the io addon is not loaded: ${reason}`);
  assert.throws(() => io.startWriteback(-1, 0, 10), /expected a descriptor and a range/);
  assert.throws(() => io.startWriteback(0, -5, 10), /expected a descriptor and a range/);
});

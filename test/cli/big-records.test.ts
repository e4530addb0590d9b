// Records at the documented limits, through the real commands, with their peak RSS: a record of
// 12 M empty parts (a 96 MB file; each part once cost an object: 2.7-2.9 GB and 23-57 s), a
// record of 512 MiB, the most one record may hold (held two or three times: 1.1-1.66 GB; shuffle
// may still hold its scan's memory, not yet collected, beside the memory it reads into), and
// 10 M damaged records, whose problems verify kept every one of (3.8 GB to print 20). The files
// are made here, the large ones sparse.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { isOneLineError, runBinMeasured } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const MAGIC = 0xced7230a;
const dir = tempDir('mxrec-big-records-');

/** MXNet's 24-byte image header (flag 0, label, id) followed by `image`. */
function imageHeader(id: number, image: Buffer): Buffer {
  const head = Buffer.alloc(24);
  head.writeFloatLE(1, 4);
  head.writeBigUInt64LE(BigInt(id), 8);
  return Buffer.concat([head, image]);
}

/** One record of `n` parts: the first holds `first`, the others are empty (dmlc's framing for a payload of first + n-1 magics). */
function manyPartsRecord(file: string, n: number, first: Buffer): void {
  const head = Buffer.alloc(8 + first.length);
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(((1 << 29) | first.length) >>> 0, 4);
  first.copy(head, 8);
  const middle = Buffer.alloc(8);
  middle.writeUInt32LE(MAGIC, 0);
  middle.writeUInt32LE((2 << 29) >>> 0, 4);
  const body = Buffer.alloc(8 * (n - 1)).fill(middle);
  body.writeUInt32LE((3 << 29) >>> 0, body.length - 4); // the last part
  fs.writeFileSync(file, Buffer.concat([head, body]));
}

/** `count` records of 2^29 - 1 bytes (the most a record holds): an image header, a JPEG's first bytes, zeros; sparse. */
function hugeRecords(prefix: string, count: number): void {
  const length = 2 ** 29 - 1;
  const span = 8 + length + 1;
  const fd = fs.openSync(`${prefix}.rec`, 'w');
  let idx = '';
  for (let i = 0; i < count; i++) {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt32LE(length, 4);
    fs.writeSync(fd, Buffer.concat([head, imageHeader(i, Buffer.from([0xff, 0xd8, 0xff, 0xe0]))]), 0, undefined, i * span);
    idx += `${i}\t${i * span}\n`;
  }
  fs.ftruncateSync(fd, count * span);
  fs.closeSync(fd);
  fs.writeFileSync(`${prefix}.idx`, idx);
}

type Run = [what: string, args: string[], status: number, budgetMiB?: number];

/** Runs each command (killed after 30 s): the status expected, a one-line message if it fails, peak RSS under its budget. */
async function underBudget(runs: Run[], defaultBudgetMiB: number): Promise<void> {
  for (const [what, args, status, budgetMiB = defaultBudgetMiB] of runs) {
    const res = await runBinMeasured('rec', args, { timeoutMs: 30_000 });
    assert.equal(res.status, status, `${what}: ${res.stderr}`);
    if (status !== 0 && res.stderr !== '') assert.ok(isOneLineError(res.stderr), `${what}: ${res.stderr}`);
    assert.ok(res.peakRssMiB < budgetMiB, `${what}: peak RSS ${res.peakRssMiB.toFixed(0)} MiB (${res.seconds.toFixed(1)} s)`);
  }
}

describe('records at the limits', () => {
  test('a record of 12 M empty parts (96 MB): info, verify --decode, dump and iter in little memory', async () => {
    const rec = path.join(dir, 'parts.rec');
    manyPartsRecord(rec, 12_000_000, imageHeader(0, Buffer.from([0xff, 0xd8, 0xff, 0xe0])));
    assert.equal(fs.statSync(rec).size, 96_000_028);
    await underBudget(
      [
        ['rec info', ['info', rec, '-q'], 0],
        ['rec verify --decode', ['verify', rec, '--decode', '-q'], 1],
        ['rec dump', ['dump', rec], 0],
        ['rec iter', ['iter', rec, '--data-shape', '3,32,32', '--batch-size', '1'], 1],
      ],
      400,
    );
    fs.rmSync(rec);
  });

  test('one record of 512 MiB: verify --decode, view and shuffle hold it once', async () => {
    const prefix = path.join(dir, 'huge');
    hugeRecords(prefix, 1);
    await underBudget(
      [
        ['rec verify --decode', ['verify', `${prefix}.rec`, '--decode', '-q'], 1],
        // The record's JPEG ends early: nothing decodes, so nothing is drawn (exit 1), in bounded memory.
        ['rec view', ['view', `${prefix}.rec`, '-o', path.join(dir, 'huge.png'), '-q'], 1],
        ['rec shuffle', ['shuffle', `${prefix}.rec`, '-o', path.join(dir, 'shuffled.rec'), '-q'], 0, 2 * 512 + 200],
      ],
      512 + 300,
    );
  });

  test('three records of 512 MiB: verify --decode and shuffle hold one at a time', async () => {
    // Each in fresh memory, a run of huge records waited to be collected: three held at once (1.64 GB).
    const prefix = path.join(dir, 'huge3');
    hugeRecords(prefix, 3);
    await underBudget(
      [
        ['rec verify --decode', ['verify', `${prefix}.rec`, '--decode', '-q'], 1],
        ['rec shuffle', ['shuffle', `${prefix}.rec`, '-o', path.join(dir, 'shuffled3.rec'), '-q'], 0, 2 * 512 + 200],
      ],
      512 + 300,
    );
    fs.rmSync(path.join(dir, 'shuffled3.rec'));
  });

  test('three records of 512 MiB: merge --renumber and view hold one at a time', async () => {
    const prefix = path.join(dir, 'huge3');
    await underBudget(
      [
        ['rec merge --renumber', ['merge', path.join(dir, 'merged3.rec'), `${prefix}.rec`, '--renumber', '-q'], 0],
        ['rec view', ['view', `${prefix}.rec`, '-o', path.join(dir, 'huge3.png'), '-q'], 1],
        ['rec view --no-index', ['view', `${prefix}.rec`, '--no-index', '-o', path.join(dir, 'huge3b.png'), '-q'], 1],
      ],
      512 + 300,
    );
    fs.rmSync(path.join(dir, 'merged3.rec'));
  });

  test('10 M records that are no image: verify --decode counts the problems and keeps the first', async () => {
    const rec = path.join(dir, 'tiny.rec');
    const frame = Buffer.alloc(12);
    frame.writeUInt32LE(MAGIC, 0);
    frame.writeUInt32LE(4, 4);
    frame.write('junk', 8);
    fs.writeFileSync(rec, Buffer.alloc(12 * 10_000_000).fill(frame));
    const res = await runBinMeasured('rec', ['verify', rec, '--decode', '-q'], { timeoutMs: 60_000 });
    assert.equal(res.status, 1, res.stderr);
    const lines = res.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /tiny\.rec: 10000000 problems \(10000000 records, 0 images checked by decoding, 120000000 bytes\)/);
    assert.match(lines[1]!, /byte 0: not an image record/);
    assert.match(lines[20]!, /byte 228: not an image record/);
    assert.equal(lines[21], '  ... and 9999980 more');
    assert.ok(res.peakRssMiB < 400, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB (${res.seconds.toFixed(1)} s)`);
    const json = await runBinMeasured('rec', ['verify', rec, '--decode', '--json', '--max-problems', '3'], { timeoutMs: 60_000 });
    const report = JSON.parse(json.stdout);
    assert.deepEqual([report.problems.map((p: { offset: number }) => p.offset), report.problemCount, report.problemCounts], [[0, 12, 24], 10_000_000, { NO_IMAGE_HEADER: 10_000_000 }]);
    fs.rmSync(rec);
  });
});

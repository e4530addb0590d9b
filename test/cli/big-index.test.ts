// Big .idx files: 28 M entries (549 MB in the run; an insightface-scale
// set) verify with memory a few bytes per entry, and 5.8 M entries (MS1M) let
// rec view pick its sample in under 2 s and 300 MB. Past 64 Mi entries an .idx
// is refused (1 GiB of "0<TAB>0" lines took 4.25 GB in rec info, 10.5 GB in rec
// iter), and the iterator keeps 12 bytes an entry (it kept about 40: 1.81 GB for
// 45 M). The files are written here, straight as bytes (the writer would take
// longer than what is being tested).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { isOneLineError, runBinMeasured } from '../helpers/cli.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const MAGIC = 0xced7230a;

/** `n` records (framed as dmlc frames them, payloads from `payloadOf`) and their .idx: key firstKey + i at its offset. */
function writeMany(prefix: string, n: number, payloadOf: (i: number) => Buffer, firstKey = 0): void {
  const rec = fs.openSync(`${prefix}.rec`, 'w');
  const idx = fs.openSync(`${prefix}.idx`, 'w');
  const batch = Buffer.alloc(8 << 20);
  let used = 0;
  let text = '';
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const payload = payloadOf(i);
    const size = 8 + payload.length + ((4 - (payload.length % 4)) % 4);
    if (used + size > batch.length) {
      fs.writeSync(rec, batch, 0, used);
      batch.fill(0, 0, used);
      used = 0;
    }
    batch.writeUInt32LE(MAGIC, used);
    batch.writeUInt32LE(payload.length, used + 4);
    payload.copy(batch, used + 8);
    used += size;
    text += `${firstKey + i}\t${offset}\n`;
    offset += size;
    if (text.length > 1 << 20) {
      fs.writeSync(idx, text);
      text = '';
    }
  }
  fs.writeSync(rec, batch, 0, used);
  fs.writeSync(idx, text);
  fs.closeSync(rec);
  fs.closeSync(idx);
}

describe('big .idx files', () => {
  const dir = tempDir('mxrec-big-index-');

  test('28 M entries: rec verify reads it (no whole-file string), memory a few bytes per entry', async () => {
    const prefix = path.join(dir, 'm28');
    const empty = Buffer.alloc(0);
    // 10-digit keys: the .idx is larger than the longest string V8 can hold (~536 M characters).
    writeMany(prefix, 28_000_000, () => empty, 1_000_000_000);
    assert.ok(fs.statSync(`${prefix}.idx`).size > 560_000_000);
    const res = await runBinMeasured('rec', ['verify', `${prefix}.rec`, '-q']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /m28\.idx: OK: 28000000 entries, every record indexed/);
    assert.ok(res.peakRssMiB < 1000, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
    fs.rmSync(`${prefix}.rec`);
    fs.rmSync(`${prefix}.idx`);
  });

  test('1 GiB of "0<TAB>0" lines (268 M entries): info and iter refuse it past 64 Mi entries, in a few hundred MB', async () => {
    const prefix = path.join(dir, 'zeros');
    writeMany(prefix, 1, () => Buffer.alloc(0));
    const lines = Buffer.from('0\t0\n'.repeat(1 << 20));
    const fd = fs.openSync(`${prefix}.idx`, 'w');
    for (let i = 0; i < 256; i++) fs.writeSync(fd, lines);
    fs.closeSync(fd);
    for (const args of [['info', `${prefix}.rec`, '-q'], ['iter', `${prefix}.rec`, '--data-shape', '3,32,32', '--batch-size', '1']]) {
      const res = await runBinMeasured('rec', args, { timeoutMs: 60_000 });
      assert.equal(res.status, 2, res.stderr);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, /zeros\.idx:67108865: expected at most 67108864 index entries, received more/);
      assert.ok(res.peakRssMiB < 800, `${args[0]}: peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
    }
    fs.rmSync(`${prefix}.idx`);
  });

  test('20 M entries at offsets past 4 GiB: rec iter holds 12 bytes an entry', async () => {
    // One record at 4 GiB (a sparse .rec), listed 20 M times (dmlc reads a record as often as the .idx lists it).
    const prefix = path.join(dir, 'far');
    const at = 2 ** 32;
    const fd = fs.openSync(`${prefix}.rec`, 'w');
    const head = Buffer.alloc(12);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt32LE(4, 4);
    fs.writeSync(fd, head, 0, 12, at);
    fs.closeSync(fd);
    const lines = Buffer.from(`7\t${at}\n`.repeat(1 << 20));
    const idx = fs.openSync(`${prefix}.idx`, 'w');
    for (let i = 0; i < 20; i++) fs.writeSync(idx, lines);
    fs.closeSync(idx);
    const res = await runBinMeasured('rec', ['iter', `${prefix}.rec`, '--data-shape', '3,32,32', '--batch-size', '1']);
    assert.equal(res.status, 1, res.stderr); // the record is no image: the first one read stops the run
    assert.match(res.stderr, /far\.rec: record at byte 4294967296: not an image record/);
    assert.ok(res.peakRssMiB < 500, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
    fs.rmSync(`${prefix}.idx`);
  });

  test('5.8 M entries: rec view picks and draws 48 images in under 2 s and 300 MB', async () => {
    const prefix = path.join(dir, 'm58');
    // Every 16th record a real JPEG, the others a few bytes (drawn as tiles that do not decode):
    // what is measured is the sampling, which reads 48 records whatever their size.
    const jpeg = packImageRecord({ label: 1, id: 0 }, await makeJpeg(64, 48, {}, 1));
    const small = packImageRecord({ label: 0, id: 0 }, Buffer.from('tiny'));
    writeMany(prefix, 5_800_000, (i) => (i % 16 === 0 ? jpeg : small));
    const res = await runBinMeasured('rec', ['view', `${prefix}.rec`, '--out', path.join(dir, 'sheet.png'), '-n', '48']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /48 images picked at random \(seed 0\) of 5800000 indexed records/);
    assert.ok(res.seconds < 2, `${res.seconds.toFixed(2)} s`);
    assert.ok(res.peakRssMiB < 300, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
  });
});

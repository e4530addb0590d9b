// Bounded resources at the command line: counts and sizes that would make files
// or memory without end are one-line errors before any work (rec iter's data
// shape and batch size, im2rec's --chunks, --resize, --num-thread), and an
// enlargement no image could hold is refused per image, in a few MB.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { isOneLineError, runBin, runBinMeasured } from '../helpers/cli.js';
import { flatWebp, sparseTiff, zeroPng } from '../helpers/image-bombs.js';
import { makeJpeg } from '../helpers/images.js';
import { manyScanJpeg, skipWithoutCjpeg } from '../helpers/many-scans.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-bounds-');
const rec = path.join(dir, 'small.rec');
const photos = path.join(dir, 'photos');
fs.mkdirSync(path.join(photos, 'a'), { recursive: true });
fs.writeFileSync(path.join(photos, 'a', '0.jpg'), await makeJpeg(160, 120));
{
  const w = RecordWriter.create(rec);
  for (let i = 0; i < 4; i++) w.write(packImageRecord({ label: 0, id: i }, fs.readFileSync(path.join(photos, 'a', '0.jpg'))));
  w.close();
}

function refusedAtOnce(res: { status: number | null; stderr: string }, message: RegExp, status = 2): void {
  assert.equal(res.status, status, res.stderr);
  assert.ok(isOneLineError(res.stderr), res.stderr);
  assert.match(res.stderr, message);
  assert.doesNotMatch(res.stderr, /internal error/);
}

describe('counts and sizes with ceilings', () => {
  test('rec iter: a data shape no JPEG has, a batch too large to allocate: one line, exit 2, nothing allocated', () => {
    for (const [args, message] of [
      [['--data-shape', '3,65536,65535', '--batch-size', '2'], /--data-shape: expected a height and width up to 65535/],
      [['--data-shape', '3,16384,16384', '--batch-size', '4'], /one batch would take 12\.0 GiB, more than the 2\.0 GiB a batch may take/],
      [['--data-shape', '3,32,32', '--batch-size', '100000000'], /one batch would take 1144\.4 GiB/],
      [['--data-shape', '3,224,224', '--batch-size', '1024', '--prefetch', '200'], /the batches in flight would take .* more than half of this machine's/],
    ] as const) {
      refusedAtOnce(runBin('rec', ['iter', rec, ...args]), message);
    }
  });

  test('im2rec: --chunks, --resize and --num-thread past their ceilings are refused before any file is made', () => {
    const prefix = path.join(dir, 'lists', 'x');
    refusedAtOnce(runBin('im2rec', [prefix, photos, '--list', '--recursive', '--chunks', '1000000000']), /--chunks .*expected an integer in 1\.\.10000/);
    assert.equal(fs.existsSync(path.dirname(prefix)), false);
    fs.writeFileSync(path.join(dir, 'one.lst'), '0\t0\ta/0.jpg\n');
    refusedAtOnce(runBin('im2rec', [path.join(dir, 'one'), photos, '--resize', '100000']), /--resize .*expected an integer in 0\.\.65535/);
    refusedAtOnce(runBin('im2rec', [path.join(dir, 'one.lst'), photos, path.join(dir, 'one.rec'), 'resize=70000']), /resize: expected an integer in -1\.\.65535/);
    refusedAtOnce(runBin('im2rec', [path.join(dir, 'one'), photos, '--num-thread', '100000']), /--num-thread .*expected an integer in 1\.\.256/);
  });

  test('im2rec --resize 40000 on a 160x120 JPEG: the image is refused as too large, in little memory', async () => {
    const res = await runBinMeasured('im2rec', [path.join(dir, 'one'), photos, '--resize', '40000']);
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /too large: a 160x120 image would resize to 53333x40000/);
    assert.ok(res.peakRssMiB < 300, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
  });

  test('a JPEG of 2,081 scans: im2rec skips it and rec verify --decode reports it, at once', skipWithoutCjpeg(), async () => {
    fs.writeFileSync(path.join(photos, 'a', 'scans.jpg'), manyScanJpeg());
    fs.writeFileSync(path.join(dir, 'scans.lst'), '0\t0\ta/0.jpg\n1\t0\ta/scans.jpg\n');
    const packed = await runBinMeasured('im2rec', [path.join(dir, 'scans'), photos, '--resize', '64']);
    assert.equal(packed.status, 0, packed.stderr);
    assert.match(packed.stderr, /skipped a\/scans\.jpg \(scans\.lst:2\): too large: more than 500 scans/);
    assert.match(packed.stderr, /1 image written, 1 skipped/);
    // The .rec of both images, stored as they are: verify --decode names the hostile one.
    const raw = path.join(dir, 'raw');
    fs.copyFileSync(path.join(dir, 'scans.lst'), `${raw}.lst`);
    assert.equal(runBin('im2rec', [raw, photos, '--pass-through', '-q']).status, 0);
    const res = await runBinMeasured('rec', ['verify', `${raw}.rec`, '--decode']);
    assert.equal(res.status, 1, res.stdout);
    assert.match(res.stdout, /image does not decode: more than 500 scans/);
    assert.ok(res.seconds < 10, `${res.seconds.toFixed(1)} s`);
  });

  test('six 16000x16000 PNGs of zeros (750 KB each): im2rec, verify --decode, view and iter stay under 1.5 GB', async () => {
    const bombs = path.join(dir, 'bombs');
    fs.mkdirSync(path.join(bombs, 'b'), { recursive: true });
    await sharp({ create: { width: 16000, height: 16000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toFile(path.join(bombs, 'b', 'zeros.png'));
    assert.ok(fs.statSync(path.join(bombs, 'b', 'zeros.png')).size < 1 << 20);
    const prefix = path.join(dir, 'bombs-list');
    fs.writeFileSync(`${prefix}.lst`, Array.from({ length: 6 }, (_, i) => `${i}\t0\tb/zeros.png\n`).join(''));
    const runs: [string, () => ReturnType<typeof runBinMeasured>][] = [
      ['im2rec --resize 256', () => runBinMeasured('im2rec', [prefix, bombs, '--resize', '256', '-q'])],
      ['im2rec --resize 256 --num-thread 1', () => runBinMeasured('im2rec', [prefix, bombs, '--resize', '256', '--num-thread', '1', '--force', '-q'])],
      ['im2rec --pass-through', () => runBinMeasured('im2rec', [`${prefix}`, bombs, '--pass-through', '--force', '-q'])],
      ['rec verify --decode', () => runBinMeasured('rec', ['verify', `${prefix}.rec`, '--decode', '-q'])],
      ['rec view', () => runBinMeasured('rec', ['view', `${prefix}.rec`, '-o', path.join(dir, 'bombs.png'), '-q'])],
      ['rec iter', () => runBinMeasured('rec', ['iter', `${prefix}.rec`, '--data-shape', '3,224,224', '--batch-size', '6', '--rand-crop'])],
    ];
    for (const [what, run] of runs) {
      const res = await run();
      assert.equal(res.status, 0, `${what}: ${res.stderr}`);
      assert.ok(res.peakRssMiB < 1536, `${what}: peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
    }
  });
});

describe('images of the most pixels an image may have (16383²), decoded within the memory the limits promise', () => {
  // A 34-byte lossless WebP (its decoder holds 8 bytes a pixel: 2 GiB), with and without alpha, an
  // 800 KB PNG and a 122-byte TIFF: all 16383x16383.
  const bombs = path.join(dir, 'max-pixels-images');
  const prefix = path.join(dir, 'max-pixels');
  before(async () => {
    fs.mkdirSync(bombs, { recursive: true });
    const side = 16383;
    fs.writeFileSync(path.join(bombs, 'flat.webp'), flatWebp(side, side));
    fs.writeFileSync(path.join(bombs, 'alpha.webp'), flatWebp(side, side, { alpha: true }));
    fs.writeFileSync(path.join(bombs, 'zeros.png'), await zeroPng(side, side));
    fs.writeFileSync(path.join(bombs, 'sparse.tif'), sparseTiff(side, side));
    fs.writeFileSync(`${prefix}.lst`, ['flat.webp', 'alpha.webp', 'zeros.png', 'sparse.tif'].map((f, i) => `${i}\t0\t${f}\n`).join(''));
  });
  const refused = /too large: a 16383x16383 WebP takes about 2048 MiB to decode, more than the decode budget of 1024 MiB \(MXREC_DECODE_BUDGET_MB\)/;

  test('im2rec without --resize: the WebPs are skipped as more than the decode budget, the PNG and TIFF re-encoded streaming, under 1.5 GB', async () => {
    const res = await runBinMeasured('im2rec', [prefix, bombs]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`skipped flat\\.webp \\(max-pixels\\.lst:1\\): ${refused.source}`));
    assert.match(res.stderr, /skipped alpha\.webp/);
    assert.match(res.stderr, /2 images written, 2 skipped \(2 too large\)/);
    assert.ok(res.peakRssMiB < 1536, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
  });

  test('rec iter --threads 1 over them stored as they are: the WebPs are damaged records, the rest decode, under 1.5 GB', async () => {
    const raw = path.join(dir, 'max-pixels-raw');
    fs.copyFileSync(`${prefix}.lst`, `${raw}.lst`);
    const packed = runBin('im2rec', [raw, bombs, '--pass-through', '-q']);
    assert.equal(packed.status, 0, packed.stderr);
    const res = await runBinMeasured('rec', ['iter', `${raw}.rec`, '--threads', '1', '--data-shape', '3,224,224', '--batch-size', '2', '--skip-corrupt']);
    assert.equal(res.status, 1, res.stderr); // damaged records were stepped over
    assert.match(res.stdout, /2 images in 1 batches.*2 damaged records skipped/);
    assert.match(res.stdout, new RegExp(`byte 0 \\(id 0\\): image: ${refused.source.replace('too large: ', '')}`));
    assert.ok(res.peakRssMiB < 1536, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
  });
});


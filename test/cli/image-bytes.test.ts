// The image bytes im2rec holds between read and write stay within their
// budgets, whatever the files: large files (each under the 256 MiB an image
// file may have) packed re-encoded and --pass-through, from a folder and from
// a bucket, and small files whose records are large, all under 1.5 GB.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runBinMeasured } from '../helpers/cli.js';
import { checkerboardPng } from '../helpers/image-bombs.js';
import { makeJpeg } from '../helpers/images.js';
import { startS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-image-bytes-');
const FILES = 8;
const FILE_BYTES = 250e6;
/** A 64x48 JPEG followed by zeros up to 250 MB (a sparse file: no disk, and read as fast as the page cache). */
const small = await makeJpeg(64, 48);
function bigImage(file: string): void {
  fs.writeFileSync(file, small);
  fs.truncateSync(file, FILE_BYTES);
}

const images = path.join(dir, 'big');
fs.mkdirSync(images);
for (let i = 0; i < FILES; i++) bigImage(path.join(images, `${i}.jpg`));
const list = Array.from({ length: FILES }, (_, i) => `${i}\t0\t${i}.jpg\n`).join('');

/** All packed, with a peak RSS under 1.5 GB: six of these files are 1.5 GB. */
function underLimit(res: { status: number | null; stderr: string; peakRssMiB: number }, what: string, images = FILES): void {
  assert.equal(res.status, 0, `${what}: ${res.stderr}`);
  assert.match(res.stderr, new RegExp(`${images} images written, 0 skipped`), what);
  assert.ok(res.peakRssMiB < 1536, `${what}: peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
}

describe('image files of 250 MB each', () => {
  test('from a folder, re-encoded and --pass-through', async () => {
    fs.writeFileSync(path.join(dir, 'local.lst'), list);
    underLimit(await runBinMeasured('im2rec', [path.join(dir, 'local'), images]), 'im2rec');
    underLimit(await runBinMeasured('im2rec', [path.join(dir, 'local'), images, '--pass-through', '--force']), 'im2rec --pass-through');
    assert.equal(fs.statSync(path.join(dir, 'local.rec')).size, FILES * (FILE_BYTES + 32)); // 24-byte header, 8-byte chunk header
  });

  test('from a bucket (a GET each), --pass-through', async () => {
    const s3 = await startS3(['data']);
    const objects = 6; // s3rver serves about 70 MB/s
    for (let i = 0; i < objects; i++) {
      await s3.put('data', `big/${i}.jpg`, small);
      bigImage(path.join(s3.dir, 'data', 'big', `${i}.jpg._S3rver_object`)); // the object's bytes: 250 MB now
    }
    fs.writeFileSync(path.join(dir, 'remote.lst'), list.split('\n').slice(0, objects).map((line) => `${line}\n`).join(''));
    const res = await runBinMeasured('im2rec', [path.join(dir, 'remote'), 's3://data/big/', '--pass-through'], { env: s3.env });
    underLimit(res, 'im2rec --pass-through', objects);
  });
});

test('small files whose records are large: six 16383² checkerboard PNGs of 290 KB, 218 MB each as JPEG at quality 100, counted at their planned size', async () => {
  const folder = path.join(dir, 'checks-images');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'c.png'), await checkerboardPng(16383, 16383));
  fs.writeFileSync(path.join(dir, 'checks.lst'), Array.from({ length: 6 }, (_, i) => `${i}\t0\tc.png\n`).join(''));
  const res = await runBinMeasured('im2rec', [path.join(dir, 'checks'), folder, '--quality', '100']);
  assert.equal(res.status, 0, res.stderr);
  assert.ok(fs.statSync(path.join(dir, 'checks.rec')).size > 6 * 200e6);
  assert.ok(res.peakRssMiB < 1536, `peak RSS ${res.peakRssMiB.toFixed(0)} MiB`);
});

/**
 * BMP, which OpenCV (and so MXNet's tools) reads and libvips does not: the
 * pixels mxrec decodes equal OpenCV's for the BMPs OpenCV writes (24-bit, and
 * 8-bit gray), and equal the source for hand-made ones of the other layouts
 * (top-down 32-bit, 4- and 1-bit palettes, OS/2 headers). RLE and 16-bit are
 * refused as unsupported; a truncated file as damaged; im2rec packs BMPs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decodeInto, imageInfo } from '../../src/codec/codec.js';
import { ImageError } from '../../src/codec/types.js';
import { runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-bmp-');

/** Planar RGB (or one gray plane) at the image's own size. */
async function decode(bytes: Buffer, channels: 1 | 3): Promise<Uint8Array> {
  const info = await imageInfo(bytes);
  const out = new Uint8Array(info.width * info.height * channels);
  await decodeInto(bytes, out, 0, { width: info.width, height: info.height, channels });
  return out;
}

/** A BMP of `rows` (top row first, RGB triplets or palette indices) in the layout asked for. */
function makeBmp(o: { width: number; height: number; bits: 1 | 4 | 8 | 24 | 32; pixel: (x: number, y: number) => number[]; palette?: number[][]; topDown?: boolean; os2?: boolean; compression?: number }): Buffer {
  const stride = Math.ceil((o.width * o.bits) / 32) * 4;
  const infoSize = o.os2 ? 12 : 40;
  const entry = o.os2 ? 3 : 4;
  const paletteBytes = (o.palette?.length ?? 0) * entry;
  const offset = 14 + infoSize + paletteBytes;
  const b = Buffer.alloc(offset + stride * o.height);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(infoSize, 14);
  if (o.os2) {
    b.writeUInt16LE(o.width, 18);
    b.writeInt16LE(o.height, 20);
    b.writeUInt16LE(1, 22);
    b.writeUInt16LE(o.bits, 24);
  } else {
    b.writeInt32LE(o.width, 18);
    b.writeInt32LE(o.topDown ? -o.height : o.height, 22);
    b.writeUInt16LE(1, 26);
    b.writeUInt16LE(o.bits, 28);
    b.writeUInt32LE(o.compression ?? 0, 30);
    b.writeUInt32LE(o.palette?.length ?? 0, 46);
  }
  o.palette?.forEach(([r, g, bl], i) => b.set([bl!, g!, r!], 14 + infoSize + i * entry));
  for (let y = 0; y < o.height; y++) {
    const row = offset + stride * (o.topDown ? y : o.height - 1 - y);
    for (let x = 0; x < o.width; x++) {
      const v = o.pixel(x, y);
      if (o.bits >= 24) b.set([v[2]!, v[1]!, v[0]!], row + (x * o.bits) / 8);
      else {
        const perByte = 8 / o.bits;
        b[row + Math.floor(x / perByte)]! |= v[0]! << (8 - o.bits * ((x % perByte) + 1));
      }
    }
  }
  return b;
}

const planar = (width: number, height: number, rgb: (x: number, y: number) => number[]) => {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb(x, y).forEach((v, c) => (out[c * width * height + y * width + x] = v));
  return out;
};

test('the BMPs OpenCV writes decode to the pixels OpenCV reads', async () => {
  const script = `
import cv2, numpy as np, sys
out = sys.argv[1]
rgb = (np.random.RandomState(1).rand(37, 53, 3) * 255).astype(np.uint8)
gray = (np.random.RandomState(2).rand(21, 30) * 255).astype(np.uint8)
cv2.imwrite(out + '/c24.bmp', rgb); cv2.imwrite(out + '/g8.bmp', gray)
for name in ('c24', 'g8'):
    img = cv2.imread(out + '/' + name + '.bmp', cv2.IMREAD_UNCHANGED)
    planes = img[None] if img.ndim == 2 else img[:, :, ::-1].transpose(2, 0, 1)
    open(out + '/' + name + '.raw', 'wb').write(np.ascontiguousarray(planes).tobytes())
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python3-opencv (installed by .ci/run): ${r.stderr}`);
  const c24 = fs.readFileSync(path.join(dir, 'c24.bmp'));
  const g8 = fs.readFileSync(path.join(dir, 'g8.bmp'));
  assert.deepEqual(await imageInfo(c24), { format: 'bmp', width: 53, height: 37, channels: 3 });
  assert.deepEqual(await imageInfo(g8), { format: 'bmp', width: 30, height: 21, channels: 1 });
  assert.deepEqual(await decode(c24, 3), new Uint8Array(fs.readFileSync(path.join(dir, 'c24.raw'))));
  assert.deepEqual(await decode(g8, 1), new Uint8Array(fs.readFileSync(path.join(dir, 'g8.raw'))));
});

test('the other layouts: top-down 32-bit, 4- and 1-bit palettes, an OS/2 header', async () => {
  const w = 13;
  const h = 7;
  const colour = (x: number, y: number) => [(x * 19) & 255, (y * 37) & 255, (x * y * 5) & 255];
  const top = makeBmp({ width: w, height: h, bits: 32, topDown: true, pixel: colour });
  assert.deepEqual(await decode(top, 3), planar(w, h, colour));

  const palette = [[255, 0, 0], [0, 128, 0], [10, 20, 30], [200, 200, 7]];
  const indexOf = (x: number, y: number) => (x + 2 * y) % 4;
  const four = makeBmp({ width: w, height: h, bits: 4, palette, pixel: (x, y) => [indexOf(x, y)] });
  assert.deepEqual(await decode(four, 3), planar(w, h, (x, y) => palette[indexOf(x, y)]!));

  const mono = makeBmp({ width: w, height: h, bits: 1, palette: [[0, 0, 0], [255, 255, 255]], pixel: (x, y) => [(x + y) & 1] });
  assert.equal((await imageInfo(mono)).channels, 1); // a palette of grays stays gray, as in OpenCV
  assert.deepEqual(await decode(mono, 1), Uint8Array.from({ length: w * h }, (_, i) => (((i % w) + Math.floor(i / w)) & 1 ? 255 : 0)));

  const os2 = makeBmp({ width: w, height: h, bits: 24, os2: true, pixel: colour });
  assert.deepEqual(await decode(os2, 3), planar(w, h, colour));
});

test('RLE and 16-bit are unsupported, a truncated BMP is damaged; im2rec packs BMPs with --exts', async () => {
  const rle = makeBmp({ width: 4, height: 4, bits: 8, compression: 1, palette: [[0, 0, 0]], pixel: () => [0] });
  await assert.rejects(imageInfo(rle), (err: Error) => err instanceof ImageError && err.code === 'UNSUPPORTED');
  const sixteen = makeBmp({ width: 4, height: 4, bits: 24, pixel: () => [1, 2, 3] });
  sixteen.writeUInt16LE(16, 28);
  await assert.rejects(imageInfo(sixteen), (err: Error) => err instanceof ImageError && err.code === 'UNSUPPORTED' && /16 bits/.test(err.message));
  const whole = makeBmp({ width: 40, height: 30, bits: 24, pixel: (x, y) => [x, y, 0] });
  const cut = whole.subarray(0, whole.length - 100);
  await assert.rejects(decode(cut, 3), (err: Error) => err instanceof ImageError && err.code === 'CORRUPT' && /truncated/.test(err.message));

  const images = path.join(dir, 'images', 'a');
  fs.mkdirSync(images, { recursive: true });
  fs.writeFileSync(path.join(images, 'one.bmp'), whole);
  const prefix = path.join(dir, 'bmps');
  for (const args of [[prefix, path.dirname(images), '--list', '--recursive', '--exts', '.bmp'], [prefix, path.dirname(images), '--resize', '20']]) {
    const res = runBin('im2rec', [...args, '--quiet']);
    assert.equal(res.status, 0, res.stderr);
  }
  const verify = runBin('rec', ['verify', `${prefix}.rec`, '--decode']);
  assert.match(verify.stdout, /OK: 1 records/);
});

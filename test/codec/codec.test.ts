import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import sharp from 'sharp';
import {
  decodeInto,
  decodeIntoMany,
  imageInfo,
  ImageError,
  nativeStatus,
  setDecodeBudget,
  shorterEdgeSize,
  transcode,
  transcodeMany,
  type DecodeIntoOptions,
} from '../../src/index.js';
import { sharpDecodeInto, sharpInfo, sharpTranscode } from '../../src/codec/sharp-path.js';
import { compare, makeJpeg, makePng, pixels, syntheticRgb } from '../helpers/images.js';
import { jpegOrientation } from '../../src/codec/exif.js';
import { flatWebp } from '../helpers/image-bombs.js';
import { UsageError } from '../../src/util/errors.js';

// Under CI the addon must have built; locally a missing compiler only skips
// the native-specific checks (the sharp path is still tested). fallback.test.ts
// runs this whole file again with MXREC_NO_NATIVE=1, as a machine without the addon.
const requireNative = process.env.CI === 'true' && process.env.MXREC_NO_NATIVE !== '1';
if (requireNative) assert.ok(nativeStatus.available, `native addon did not load: ${nativeStatus.reason}`);
const nativeIt = nativeStatus.available ? it : it.skip;

async function decodeBoth(input: Buffer, o: DecodeIntoOptions) {
  const n = o.width * o.height * (o.channels ?? 3);
  const fast = new Uint8Array(n);
  const slow = new Uint8Array(n);
  await decodeInto(input, fast, 0, o);
  await sharpDecodeInto(input, slow, 0, o);
  return { fast, slow };
}

// The tolerance both paths are held to (docs/guides/codec.md): identical
// dimensions; mean absolute difference <= 3 levels and PSNR >= 30 dB on
// photo-like images. The resamplers differ (libvips antialiases when it
// shrinks, OpenCV's linear does not) and so do the IDCTs when DCT scaling is used.
const MAX_MAD = 3;
const MIN_PSNR = 30;

describe('image codec', () => {
  let photo: Buffer; // 4:2:0 baseline, odd size
  let photo444: Buffer;
  let progressive: Buffer;
  let gray: Buffer;
  let big: Buffer; // large enough for DCT scaling to 1/2 and 1/4
  before(async () => {
    photo = await makeJpeg(333, 251);
    photo444 = await makeJpeg(320, 240, { chroma: '4:4:4', quality: 95 }, 2);
    progressive = await makeJpeg(300, 200, { progressive: true }, 3);
    gray = await makeJpeg(200, 150, { gray: true }, 4);
    big = await makeJpeg(1200, 900, {}, 5);
  });

  it('reads the header', async () => {
    assert.deepEqual(await imageInfo(photo), { format: 'jpeg', width: 333, height: 251, channels: 3 });
    assert.deepEqual(await imageInfo(gray), { format: 'jpeg', width: 200, height: 150, channels: 1 });
    const png = await makePng(40, 30);
    assert.deepEqual(await imageInfo(png), { format: 'png', width: 40, height: 30, channels: 3 });
  });

  it("sizes images as im2rec's --resize does", () => {
    assert.deepEqual(shorterEdgeSize(500, 375, 256), { width: 341, height: 256 });
    assert.deepEqual(shorterEdgeSize(375, 500, 256), { width: 256, height: 341 });
    assert.deepEqual(shorterEdgeSize(300, 300, 256), { width: 256, height: 256 });
  });

  const geometries: [string, (img: 'photo' | 'big') => DecodeIntoOptions][] = [
    ['no resize', (i) => (i === 'big' ? { width: 1200, height: 900 } : { width: 333, height: 251 })],
    ['shrink', () => ({ width: 150, height: 110 })],
    ['crop + shrink', () => ({ crop: { x: 17, y: 9, width: 200, height: 180 }, width: 96, height: 80 })],
    ['crop + enlarge', () => ({ crop: { x: 100, y: 50, width: 60, height: 40 }, width: 224, height: 224 })],
    ['shrink by 5 (DCT 1/4)', (i) => (i === 'big' ? { width: 240, height: 180 } : { width: 66, height: 50 })],
  ];
  for (const [name, geometry] of geometries) {
    for (const which of ['photo', 'big'] as const) {
      it(`agrees with sharp within tolerance: ${name}, ${which}`, async () => {
        const input = which === 'big' ? big : photo;
        const o = geometry(which);
        const { fast, slow } = await decodeBoth(input, o);
        const c = compare(fast, slow);
        assert.ok(c.mad <= MAX_MAD && c.psnr >= MIN_PSNR, `${name}: MAD ${c.mad.toFixed(2)}, PSNR ${c.psnr.toFixed(1)} dB`);
      });
    }
  }

  nativeIt('decodes a crop exactly as the same region of a full decode', async () => {
    for (const input of [photo, photo444, progressive]) {
      const info = await imageInfo(input);
      const full = new Uint8Array(info.width * info.height * 3);
      await decodeInto(input, full, 0, { width: info.width, height: info.height });
      const crop = { x: 37, y: 21, width: 100, height: 90 };
      const part = new Uint8Array(crop.width * crop.height * 3);
      await decodeInto(input, part, 0, { crop, width: crop.width, height: crop.height });
      const plane = info.width * info.height;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < crop.height; y++) {
          for (let x = 0; x < crop.width; x++) {
            const a = part[c * crop.width * crop.height + y * crop.width + x];
            const b = full[c * plane + (y + crop.y) * info.width + x + crop.x];
            if (a !== b) assert.fail(`pixel ${x},${y} channel ${c}: crop ${a}, full ${b}`);
          }
        }
      }
    }
  });

  it('mirrors and normalises as (x - mean) * scale / std, RGB planes in order', async () => {
    const o = { crop: { x: 10, y: 10, width: 120, height: 100 }, width: 60, height: 50 };
    const plain = new Uint8Array(3 * 60 * 50);
    const mirrored = new Uint8Array(3 * 60 * 50);
    const norm = new Float32Array(2 + 3 * 60 * 50);
    await decodeInto(photo, plain, 0, o);
    await decodeInto(photo, mirrored, 0, { ...o, mirror: true });
    const mean = [123.68, 116.28, 103.53];
    const std = [58.395, 57.12, 57.375];
    await decodeInto(photo, norm, 2, { ...o, mean, std, scale: 0.5 });
    assert.equal(norm[0], 0);
    assert.equal(norm[1], 0);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 50; y++) {
        for (let x = 0; x < 60; x++) {
          const i = c * 3000 + y * 60 + x;
          assert.equal(mirrored[c * 3000 + y * 60 + (59 - x)], plain[i]);
          const want = ((plain[i]! - mean[c]!) * 0.5) / std[c]!;
          assert.ok(Math.abs(norm[2 + i]! - want) < 1e-4, `normalised ${norm[2 + i]} != ${want}`);
        }
      }
    }
    // Channel order is RGB: the synthetic image's red rises left to right.
    assert.ok(plain[59]! > plain[0]! + 20, 'red plane first');
  });

  it('gray: one plane from a colour JPEG; three equal planes from a gray JPEG', async () => {
    const one = new Uint8Array(80 * 60);
    await decodeInto(photo, one, 0, { width: 80, height: 60, channels: 1 });
    const ref = await pixels(await makeJpeg(333, 251), true);
    assert.ok(one.some((v) => v !== one[0]));
    const three = new Uint8Array(3 * 50 * 40);
    await decodeInto(gray, three, 0, { width: 50, height: 40 });
    assert.deepEqual(three.subarray(0, 2000), three.subarray(2000, 4000));
    assert.deepEqual(three.subarray(0, 2000), three.subarray(4000));
    assert.equal(ref.channels, 1);
  });

  it('transcodes to the requested size; output decodes close to the source', async () => {
    for (const [input, w, h] of [
      [photo, 256, 193],
      [photo444, 171, 128],
      [progressive, 301, 201],
      [big, 341, 256],
      [gray, 100, 75],
    ] as const) {
      const out = await transcode(input, { width: w, height: h, quality: 95 });
      assert.equal(out.width, w);
      assert.equal(out.height, h);
      assert.equal(out.codec, nativeStatus.available ? 'native' : 'sharp');
      const info = await imageInfo(out.data);
      assert.deepEqual([info.format, info.width, info.height], ['jpeg', w, h]);
      const viaSharp = await sharpTranscode(input, { width: w, height: h, quality: 95 });
      assert.deepEqual([viaSharp.width, viaSharp.height, viaSharp.channels], [w, h, out.channels]);
      const a = await pixels(out.data);
      const b = await pixels(viaSharp.data);
      const c = compare(a.data, b.data);
      assert.ok(c.mad <= MAX_MAD && c.psnr >= MIN_PSNR, `${w}x${h}: MAD ${c.mad.toFixed(2)}, PSNR ${c.psnr.toFixed(1)} dB`);
    }
  });

  it('transcodes to gray, and crops before resizing', async () => {
    const out = await transcode(photo, { color: 'gray', crop: { x: 41, y: 0, width: 251, height: 251 }, width: 128, height: 128 });
    assert.deepEqual([out.width, out.height, out.channels], [128, 128, 1]);
    assert.equal((await imageInfo(out.data)).channels, 1);
  });

  it('sends CMYK JPEG through sharp, and PNG through png.ts and the addon (sharp without it), with the same API', async () => {
    const png = await makePng(90, 60);
    const cmyk = await makeJpeg(90, 60, { cmyk: true });
    assert.equal((await imageInfo(cmyk)).channels, 4);
    const [a, b] = await transcodeMany([png, cmyk], { width: 45, height: 30 });
    for (const [r, codec] of [[a!, nativeStatus.available ? 'native' : 'sharp'], [b!, 'sharp']] as const) {
      assert.ok(!(r instanceof ImageError), String(r));
      assert.deepEqual([r.width, r.height, r.channels, r.codec], [45, 30, 3, codec]);
    }
    const out = new Float32Array(3 * 30 * 20);
    const errors = await decodeIntoMany([
      { input: png, out, offset: 0, options: { width: 30, height: 20 } },
      { input: cmyk, out: new Float32Array(3 * 30 * 20), offset: 0, options: { width: 30, height: 20 } },
    ]);
    assert.deepEqual(errors, [null, null]);
    assert.ok(out.some((v) => v > 0));
  });

  it('PNG to JPEG (libvips decodes, the addon crops, resizes, encodes) agrees with sharp doing all of it', async () => {
    const png = await makePng(320, 240, 3);
    for (const options of [
      { width: 171, height: 128 },
      { crop: { x: 40, y: 0, width: 240, height: 240 }, width: 100, height: 100 },
      { crop: { x: 10, y: 20, width: 30, height: 40 } },
      { color: 'gray' as const, width: 160, height: 120 },
    ]) {
      const out = await transcode(png, { ...options, quality: 95 });
      const viaSharp = await sharpTranscode(png, { ...options, quality: 95 });
      assert.deepEqual([out.width, out.height, out.channels, out.format], [viaSharp.width, viaSharp.height, viaSharp.channels, 'jpeg']);
      const c = compare((await pixels(out.data)).data, (await pixels(viaSharp.data)).data);
      assert.ok(c.mad <= MAX_MAD && c.psnr >= MIN_PSNR, `${JSON.stringify(options)}: MAD ${c.mad.toFixed(2)}, PSNR ${c.psnr.toFixed(1)} dB`);
    }
    await assert.rejects(
      transcode(png, { crop: { x: 300, y: 0, width: 40, height: 40 } }),
      (e: Error) => e instanceof ImageError && e.code === 'BAD_ARGUMENT' && /crop 300,0 40x40 is outside the 320x240 image/.test(e.message),
    );
  });

  it('reads PNG sizes from the IHDR chunk, as libvips reports them', async () => {
    const base = sharp({ create: { width: 33, height: 21, channels: 4, background: { r: 200, g: 10, b: 10, alpha: 0.5 } } });
    for (const png of [
      await base.clone().png().toBuffer(),
      await base.clone().removeAlpha().png().toBuffer(),
      await base.clone().removeAlpha().toColourspace('b-w').png().toBuffer(),
      await base.clone().toColourspace('b-w').png().toBuffer(), // gray + alpha
      await base.clone().png({ palette: true }).toBuffer(), // palette with transparency
      await base.clone().removeAlpha().png({ palette: true }).toBuffer(),
    ]) {
      assert.deepEqual(await imageInfo(png), await sharpInfo(png));
    }
    await assert.rejects(imageInfo((await base.clone().png().toBuffer()).subarray(0, 20)), ImageError);
  });

  it('EXIF orientation: reported by imageInfo; autoOrient turns the image upright first, as OpenCV\'s IMREAD_COLOR does', async () => {
    // A 64x48 picture stored sideways: orientation 6 means "rotate 90° clockwise to view".
    const stored = await sharp(syntheticRgb(64, 48, 5), { raw: { width: 64, height: 48, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    assert.equal(jpegOrientation(stored), 6);
    assert.equal(jpegOrientation(await makeJpeg(20, 10)), 1);
    assert.deepEqual(await imageInfo(stored), { format: 'jpeg', width: 64, height: 48, channels: 3, orientation: 6 });
    const asStored = await transcode(stored, { width: 32, height: 24 });
    assert.deepEqual([asStored.width, asStored.height], [32, 24]);
    const upright = await transcode(stored, { autoOrient: true, crop: { x: 0, y: 8, width: 48, height: 48 }, width: 36, height: 36 });
    assert.deepEqual([upright.width, upright.height], [36, 36]);
    const reference = await sharp(stored).autoOrient().extract({ left: 0, top: 8, width: 48, height: 48 }).resize(36, 36).raw().toBuffer();
    const c = compare((await pixels(upright.data)).data, reference);
    assert.ok(c.mad <= MAX_MAD && c.psnr >= MIN_PSNR, `MAD ${c.mad.toFixed(2)}, PSNR ${c.psnr.toFixed(1)} dB`);
    // Damaged EXIF is no orientation, not an error.
    const broken = Buffer.from(stored);
    const app1 = broken.indexOf('Exif');
    broken.write('XX', app1 + 6); // byte order mark
    assert.equal(jpegOrientation(broken), 1);
  });

  it('PNG output keeps alpha with color keep, drops it otherwise', async () => {
    const rgba = await sharp({ create: { width: 20, height: 10, channels: 4, background: { r: 9, g: 99, b: 200, alpha: 0.5 } } }).png().toBuffer();
    const kept = await transcode(rgba, { format: 'png', color: 'keep', compressionLevel: 9 });
    assert.deepEqual([kept.format, kept.channels, (await imageInfo(kept.data)).channels], ['png', 4, 4]);
    const dropped = await transcode(rgba, { format: 'png' });
    assert.deepEqual([dropped.channels, (await imageInfo(dropped.data)).channels], [3, 3]);
    const gray = await transcode(rgba, { format: 'png', color: 'gray', width: 10, height: 5 });
    assert.deepEqual([gray.width, gray.height, gray.channels], [10, 5, 1]);
  });

  it('a bad image fails alone, with a reason; the batch goes on', async () => {
    const bad = [
      Buffer.alloc(0),
      Buffer.from('not an image at all'),
      photo.subarray(0, Math.floor(photo.length / 2)), // truncated mid-scan
      photo.subarray(0, 300), // truncated in the headers
    ];
    const results = await transcodeMany([photo, ...bad, photo], { width: 64, height: 48 });
    assert.equal(results.length, 6);
    assert.ok(!(results[0] instanceof ImageError) && !(results[5] instanceof ImageError));
    for (const r of results.slice(1, 5)) {
      assert.ok(r instanceof ImageError, 'expected an ImageError');
      assert.equal(r.code, 'CORRUPT');
      assert.ok(r.message.length > 0);
    }
    await assert.rejects(decodeInto(bad[2]!, new Uint8Array(3 * 64 * 48), 0, { width: 64, height: 48 }), (e: ImageError) => {
      return e instanceof ImageError && e.code === 'CORRUPT' && /premature end|truncated/i.test(e.message);
    });
  });

  it('refuses huge declared dimensions before allocating', async () => {
    // Patch the SOF's height and width fields to 60000 x 60000 (3.6 gigapixels).
    const huge = Buffer.from(photo);
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    huge.writeUInt16BE(60000, sof + 5);
    huge.writeUInt16BE(60000, sof + 7);
    const [r] = await transcodeMany([huge], { width: 10, height: 10 });
    assert.ok(r instanceof ImageError);
    assert.equal(r.code, 'TOO_LARGE');
    const [small] = await transcodeMany([photo], { width: 10, height: 10, maxPixels: 1000 });
    assert.ok(small instanceof ImageError && small.code === 'TOO_LARGE');
    // A zero dimension is corrupt, not a crash.
    const zero = Buffer.from(photo);
    zero.writeUInt16BE(0, sof + 7);
    const [z] = await transcodeMany([zero], {});
    assert.ok(z instanceof ImageError && z.code === 'CORRUPT', String(z));
  });

  it('an image whose decoding alone would hold more than the decode budget is refused (TOO_LARGE) before it is decoded', async () => {
    // A 4096x4096 lossless WebP of 32 bytes: libwebp and libvips hold 8 bytes a pixel (128 MiB) to decode it.
    const webp = flatWebp(4096, 4096);
    setDecodeBudget(64 << 20);
    try {
      const started = performance.now();
      const [r] = await transcodeMany([webp], { width: 64, height: 64 });
      assert.ok(r instanceof ImageError && r.code === 'TOO_LARGE', String(r));
      assert.match(r.message, /^a 4096x4096 WebP takes about 128 MiB to decode, more than the decode budget of 64 MiB \(MXREC_DECODE_BUDGET_MB\)$/);
      const [d] = await decodeIntoMany([{ input: webp, out: new Uint8Array(3 * 8 * 8), offset: 0, options: { width: 8, height: 8 } }]);
      assert.ok(d instanceof ImageError && d.code === 'TOO_LARGE', String(d));
      assert.ok(performance.now() - started < 1000, 'refused from the header, not decoded');
    } finally {
      setDecodeBudget(2 ** 30);
    }
    const small = await transcode(flatWebp(64, 48));
    assert.deepEqual([small.width, small.height], [64, 48]);
  });

  nativeIt('a JPEG the addon would hold more than 256 MiB of planes for is transcoded by libvips, which streams it', async () => {
    const big = await sharp({ create: { width: 7200, height: 7200, channels: 3, background: '#468' } }).jpeg({ quality: 50 }).toBuffer();
    const r = await transcode(big, { quality: 80 });
    assert.deepEqual([r.width, r.height, r.codec], [7200, 7200, 'sharp']);
    // Resized, the addon decodes it at a DCT-scaled size: its planes and the output's fit.
    const resized = await transcode(big, { width: 256, height: 256 });
    assert.deepEqual([resized.width, resized.height, resized.codec], [256, 256, 'native']);
  });

  it('survives every single-byte corruption of the headers and a sample of the scan', async () => {
    const small = await makeJpeg(48, 32, { quality: 80 });
    const sos = small.indexOf(Buffer.from([0xff, 0xda]));
    const positions = [...Array(sos + 12).keys()];
    for (let p = sos + 12; p < small.length; p += 7) positions.push(p);
    const inputs = positions.map((p) => {
      const b = Buffer.from(small);
      b[p] = b[p]! ^ 0xa5;
      return b;
    });
    const results = await transcodeMany(inputs, { width: 24, height: 16 });
    let failedCount = 0;
    for (const r of results) {
      if (r instanceof ImageError) failedCount++;
      else assert.deepEqual([r.width, r.height], [24, 16]);
    }
    assert.ok(failedCount > 0, 'some corruptions must be detected');
  });

  it('rejects bad arguments saying what was expected', async () => {
    // A caller's mistake: a UsageError (kind usage), as a bad flag is at the command line.
    const refused = (re: RegExp) => (e: Error) => e instanceof UsageError && e.kind === 'usage' && re.test(e.message);
    await assert.rejects(transcode(photo, { quality: 0 }), refused(/quality: expected 1\.\.100, received 0/));
    await assert.rejects(transcode(photo, { width: 10 }), refused(/width and height: expected both or neither/));
    await assert.rejects(transcode(photo, { filter: 'bicubic' as never }), refused(/filter: expected one of nearest, linear/));
    await assert.rejects(
      decodeInto(photo, new Float32Array(10), 0, { width: 8, height: 8 }),
      refused(/8x8x3 at offset 0 needs 192 elements, out has 10/),
    );
    const [r] = await transcodeMany([photo], { crop: { x: 300, y: 0, width: 100, height: 10 } });
    assert.ok(r instanceof ImageError && r.code === 'BAD_ARGUMENT' && /outside the 333x251 image/.test(r.message), String(r));
  });
});

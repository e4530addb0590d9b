/**
 * The general path: every format sharp (libvips) reads, and JPEGs when the
 * native addon is missing or declines one (CMYK, 12-bit). Same options and
 * the same output dimensions as the native path; pixels agree within the
 * tolerance the tests state (the resamplers differ in detail).
 */
import { createRequire } from 'node:module';
import type { Sharp, SharpOptions } from 'sharp';
import {
  type Crop,
  type DecodeIntoOptions,
  type EncodedImage,
  type Filter,
  type ImageInfo,
  type TranscodeOptions,
  DEFAULT_QUALITY,
  ImageError,
} from './types.js';
import { DEFAULT_MAX_PIXELS, MAX_SCANS } from '../io/limits.js';
import { bmpHeader, decodeBmp, isBmp } from './bmp.js';
import type { VipsHeader } from './decode-cost.js';
import { findSegment } from './exif.js';
import { planarFromInterleaved } from './planar.js';
import { sniffFormat } from './sniff.js';

type SharpModule = (typeof import('sharp'))['default'];
let sharpModule: Promise<SharpModule> | undefined;

/** sharp is loaded on first use, so reading .rec files never pays for libvips. */
function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import('sharp').then((m) => {
    const s = m.default;
    s.cache(false); // every image is seen once: libvips' operation cache only costs memory
    return s;
  });
  return sharpModule;
}

/**
 * "sharp 0.35.5 / libvips 8.18.7", or why sharp did not load; for `--version`,
 * which must answer in the call it is asked, so sharp is required (its
 * CommonJS build) rather than imported.
 */
export function sharpInWords(): string {
  try {
    const { versions } = createRequire(import.meta.url)('sharp') as { versions: { sharp?: string; vips: string } };
    return `sharp ${versions.sharp ?? '?'} / libvips ${versions.vips}`;
  } catch (err) {
    return `sharp did not load (${(err as Error).message.split('\n')[0]})`;
  }
}

const KERNELS: Record<Filter, 'nearest' | 'linear' | 'cubic' | 'lanczos3'> = {
  nearest: 'nearest',
  linear: 'linear',
  cubic: 'cubic',
  area: 'linear', // libvips' reducers already average when shrinking
  lanczos: 'lanczos3',
};

function asError(err: unknown): ImageError {
  if (err instanceof ImageError) return err;
  const message = (err as Error).message ?? String(err);
  if (/pixel limit/i.test(message)) return new ImageError('TOO_LARGE', message);
  // Unknown formats, empty input and damaged files: all "not a usable image".
  return new ImageError('CORRUPT', message);
}

/**
 * libvips is asked only about bytes that start as some image format does
 * (sniff.ts): anything else is refused here at once, as libvips would refuse
 * it, without the ~0.1 ms a trip to it costs. To `decode` a JPEG it must also
 * have at most MAX_SCANS scans.
 */
async function sharpOf(input: Uint8Array, options?: SharpOptions, decode = true): Promise<Sharp> {
  const format = sniffFormat(input);
  if (format === 'unknown' || format === 'empty') {
    throw new ImageError('CORRUPT', input.length === 0 ? 'empty input' : 'not an image: its first bytes are no image format\'s signature');
  }
  // libvips has no limit on a JPEG's scans (the addon has one: jpeg_glue.h): count their markers first.
  if (decode && format === 'jpeg' && countScans(input) > MAX_SCANS) {
    throw new ImageError('TOO_LARGE', `more than ${MAX_SCANS} scans (a progressive JPEG has about ten): not decoded`);
  }
  if (format === 'bmp') {
    // libvips reads no BMP: its pixels go in raw (bmp.ts), within the same pixel limit.
    const { data, width, height, channels } = decodeBmp(input, typeof options?.limitInputPixels === 'number' ? options.limitInputPixels : DEFAULT_MAX_PIXELS);
    return (await loadSharp())(data, { limitInputPixels: options?.limitInputPixels ?? DEFAULT_MAX_PIXELS, raw: { width, height, channels } });
  }
  return (await loadSharp())(input, options);
}

/**
 * A CMYK (or YCCK) JPEG's pixels as OpenCV makes them: libjpeg's CMYK, as
 * Adobe stores it (inverted), to RGB by `k - ((255 - c) * k >> 8)` per
 * channel, with no colour management. libvips would convert through an ICC
 * profile instead (238,73,53 where OpenCV gives 255,55,55), and MXNet's tools
 * train on what OpenCV gives. libvips hands over the CMYK with 0 as no ink,
 * the inverse of what libjpeg gives OpenCV. The RGB is written over the CMYK
 * it comes from (pixel i's three bytes end before pixel i + 1's four start),
 * so the image is held once, at 4 bytes a pixel, not twice.
 */
async function asOpenCvCmyk(img: Sharp, limitInputPixels: number): Promise<Sharp> {
  const { data, info } = await img.pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  for (let i = 0; i < pixels; i++) {
    const k = 255 - data[i * 4 + 3]!;
    const c = data[i * 4]!;
    const m = data[i * 4 + 1]!;
    const y = data[i * 4 + 2]!;
    data[i * 3] = k - ((c * k) >> 8); // 255 - (255 - v) = v
    data[i * 3 + 1] = k - ((m * k) >> 8);
    data[i * 3 + 2] = k - ((y * k) >> 8);
  }
  return (await loadSharp())(data.subarray(0, pixels * 3), { limitInputPixels, raw: { width: info.width, height: info.height, channels: 3 } });
}

/** A JPEG's component count from its frame header (3 colour, 1 gray, 4 CMYK/YCCK), or null if none is found. */
function jpegComponents(input: Uint8Array): number | null {
  // SOF0..SOF15, but DHT (c4), JPG (c8) and DAC (cc) share that range.
  const isFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
  return findSegment(input, (marker, at) => (isFrame(marker) ? (input[at + 9] ?? null) : undefined)) ?? null;
}

const SOS = Buffer.from([0xff, 0xda]);

/** Start-of-scan markers in a JPEG, counted up to MAX_SCANS + 1 (0xFF 0xDA appears nowhere else in valid entropy data). */
function countScans(input: Uint8Array): number {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let n = 0;
  for (let at = bytes.indexOf(SOS); at >= 0 && n <= MAX_SCANS; at = bytes.indexOf(SOS, at + 2)) n++;
  return n;
}

async function pipeline(
  input: Uint8Array,
  opts: {
    crop?: DecodeIntoOptions['crop'];
    width?: number;
    height?: number;
    filter?: Filter;
    maxPixels?: number;
    /** 'keep': gray stays gray and colour stays colour; alpha stays too when keepAlpha. */
    color: 'rgb' | 'gray' | 'keep';
    keepAlpha?: boolean;
    autoOrient?: boolean;
  },
): Promise<Sharp> {
  // failOn 'truncated': a cut-off file is an error here too, as in the native path.
  const limitInputPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  let img = await sharpOf(input, { failOn: 'truncated', limitInputPixels });
  // Before extract: sharp applies operations in call order, so the crop is in upright coordinates.
  if (opts.autoOrient) img = img.autoOrient();
  if (jpegComponents(input) === 4) img = await asOpenCvCmyk(img, limitInputPixels);
  if (opts.crop) {
    const { x, y, width, height } = opts.crop;
    // Checked against the header as the native path does, for the same error.
    const m = await img.metadata();
    const upright = opts.autoOrient && (m.orientation ?? 1) >= 5;
    const [w, h] = upright ? [m.height ?? 0, m.width ?? 0] : [m.width ?? 0, m.height ?? 0];
    if (x + width > w || y + height > h) {
      throw new ImageError('BAD_ARGUMENT', `crop ${x},${y} ${width}x${height} is outside the ${w}x${h} image`);
    }
    img = img.extract({ left: x, top: y, width, height });
  }
  if (opts.width && opts.height) {
    img = img.resize(opts.width, opts.height, { fit: 'fill', kernel: KERNELS[opts.filter ?? 'linear'] });
  }
  if (!(opts.color === 'keep' && opts.keepAlpha)) img = img.removeAlpha();
  if (opts.color === 'keep') {
    // Gray stays one band; anything else (gray+alpha, CMYK, ...) becomes sRGB(A), as OpenCV's
    // IMREAD_UNCHANGED gives BGRA for gray+alpha PNGs.
    const m = await img.metadata();
    return img.toColourspace(m.channels === 1 ? 'b-w' : 'srgb');
  }
  // 'b-w', not grayscale(): grayscale() keeps three channels in encoded output.
  return img.toColourspace(opts.color === 'gray' ? 'b-w' : 'srgb');
}

export async function sharpInfo(input: Uint8Array): Promise<ImageInfo> {
  try {
    if (isBmp(input)) {
      const { width, height, channels } = bmpHeader(input); // libvips reads no BMP header either
      return { format: 'bmp', width, height, channels };
    }
    const m = await (await sharpOf(input, undefined, false)).metadata(); // the header only: no scan is decoded
    const info: ImageInfo = { format: m.format ?? 'unknown', width: m.width ?? 0, height: m.height ?? 0, channels: m.channels ?? 0 };
    if (m.orientation && m.orientation !== 1) info.orientation = m.orientation;
    return info;
  } catch (err) {
    throw asError(err);
  }
}

/** Bytes per sample of each of libvips' band formats. */
const SAMPLE_BYTES: Record<string, number> = { uchar: 1, char: 1, ushort: 2, short: 2, uint: 4, int: 4, float: 4, complex: 8, double: 8, dpcomplex: 16 };

/** What the memory decoding an image through libvips takes depends on (decode-cost.ts), from its header alone. */
export async function vipsHeader(input: Uint8Array): Promise<VipsHeader> {
  try {
    if (isBmp(input)) {
      const { width, height, channels } = bmpHeader(input);
      return { format: 'bmp', width, height, bands: channels, bytesPerSample: 1 };
    }
    const m = await (await sharpOf(input, undefined, false)).metadata();
    const format = m.format ?? 'unknown';
    const bytesPerSample = format === 'heif' ? ((m.bitsPerSample ?? 8) > 8 ? 2 : 1) : (SAMPLE_BYTES[m.depth ?? 'uchar'] ?? 1);
    const header: VipsHeader = { format, width: m.width ?? 0, height: m.height ?? 0, bands: m.channels ?? 3, bytesPerSample };
    if (format === 'png' && m.isProgressive) header.interlaced = true;
    if ((m.orientation ?? 1) !== 1) header.oriented = true;
    if (format === 'jpeg' && jpegComponents(input) === 4) header.cmyk = true;
    return header;
  } catch (err) {
    throw asError(err);
  }
}

export async function sharpTranscode(input: Uint8Array, options: TranscodeOptions): Promise<EncodedImage> {
  const format = options.format ?? 'jpeg';
  try {
    const img = await pipeline(input, { ...options, color: options.color ?? 'rgb', keepAlpha: format === 'png' });
    // Standard Huffman tables, as the addon and OpenCV write: optimised ones need every coefficient
    // of the image kept until the end (16383² to JPEG: 1.6 GB and 14 s; with these, 0.1 GB and 3 s).
    const encoder =
      format === 'png'
        ? img.png({ compressionLevel: options.compressionLevel ?? 6 })
        : img.jpeg({ quality: options.quality ?? DEFAULT_QUALITY, chromaSubsampling: '4:2:0', optimiseCoding: false });
    const { data, info } = await encoder.toBuffer({ resolveWithObject: true });
    return { data, format, width: info.width, height: info.height, channels: info.channels as 1 | 3 | 4, codec: 'sharp' };
  } catch (err) {
    throw asError(err);
  }
}

/**
 * Decoded 8-bit pixels, interleaved: 1 channel for gray (or 'keep' of a gray
 * image), else RGB; alpha removed. For the native encoder to crop, resize
 * and encode: faster than libvips doing those steps for small outputs.
 */
export async function sharpPixels(
  input: Uint8Array,
  options: { color?: TranscodeOptions['color']; maxPixels?: number; autoOrient?: boolean },
): Promise<{ data: Buffer; width: number; height: number; channels: 1 | 3 }> {
  try {
    const img = await pipeline(input, { maxPixels: options.maxPixels, color: options.color ?? 'rgb', autoOrient: options.autoOrient });
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels === 1 ? 1 : 3 };
  } catch (err) {
    throw asError(err);
  }
}

/** libvips extracts whole pixels: a fractional crop is rounded (within the stated tolerance). */
function wholePixels(crop: Crop | undefined): Crop | undefined {
  if (!crop) return crop;
  const x = Math.round(crop.x);
  const y = Math.round(crop.y);
  return { x, y, width: Math.max(1, Math.round(crop.x + crop.width) - x), height: Math.max(1, Math.round(crop.y + crop.height) - y) };
}

export async function sharpDecodeInto(
  input: Uint8Array,
  out: Float32Array | Uint8Array,
  offset: number,
  options: DecodeIntoOptions,
): Promise<void> {
  const channels = options.channels ?? 3;
  let raw: Buffer;
  try {
    const geometry = { ...options, crop: wholePixels(options.crop) };
    const img =
      channels === 4
        ? (await pipeline(input, { ...geometry, color: 'keep', keepAlpha: true })).toColourspace('srgb').ensureAlpha()
        : await pipeline(input, { ...geometry, color: channels === 1 ? 'gray' : 'rgb' });
    raw = await img.raw().toBuffer();
  } catch (err) {
    throw asError(err);
  }
  if (raw.length !== options.width * options.height * channels) {
    throw new ImageError('CORRUPT', `decoded ${raw.length} bytes, expected ${options.width}x${options.height}x${channels}`);
  }
  planarFromInterleaved(raw, options.width, options.height, channels, out, offset, options);
}


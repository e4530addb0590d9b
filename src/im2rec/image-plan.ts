/**
 * What im2rec does to each image, per MXNet command line: which region to
 * keep, the output size, the interpolation and the encoding. The pixel work
 * itself is the codec's (src/codec); this module only decides.
 */
import { shorterEdgeSize } from '../codec/codec.js';
import { type Crop, type TranscodeOptions } from '../codec/types.js';
import { MAX_SIDE } from '../io/limits.js';
import { interMethodFilter } from '../codec/inter-method.js';
import type { RecordId } from '../format/image-record.js';

export interface ImageSettings {
  /** Which tool's rules: 'py' crops whether or not it resizes; 'cc' crops only when resizing. */
  form: 'py' | 'cc';
  /** Store the file's bytes untouched (--pass-through, unchanged=1). */
  passThrough: boolean;
  /** Shorter edge → this many pixels; 0 or less keeps the size. */
  resize: number;
  /** Square centre crop. */
  centerCrop: boolean;
  /** OpenCV imread flag: 1 colour, 0 gray, -1 as stored. */
  color: -1 | 0 | 1;
  encoding: '.jpg' | '.png';
  /** JPEG quality (1..100) or PNG compression, as given on the command line. */
  quality: number;
  /** im2rec.cc's inter_method: 0..4 (OpenCV's), 9 auto, 10 random per image. im2rec.py: 1. */
  interMethod: number;
  /** The most pixels an image may declare, and an image resized to may have (the codec's maxPixels). */
  maxPixels: number;
}

/** 268402689 as 268,402,689. */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

/** A pixel limit as people read it: 16383x16383 (268,402,689), or 300,000,000 when it is no square. */
function pixelLimit(maxPixels: number): string {
  const side = Math.round(Math.sqrt(maxPixels));
  return side * side === maxPixels ? `${side}x${side} (${grouped(maxPixels)})` : grouped(maxPixels);
}

/** Whether a skip's reason is the pixel limit (an image's, or its resized size's), which `maxPixels` raises. */
export function overPixelLimit(reason: string): boolean {
  return /^too large: .*(decoded at most|pixels an image may have)$/.test(reason);
}

/** Why an image of that size is not decoded, or null: its declared pixels past `maxPixels`. */
export function pixelLimitReason(width: number, height: number, maxPixels: number): string | null {
  if (width * height <= maxPixels) return null;
  return `too large: ${width}x${height} (${grouped(width * height)} pixels), more than the ${pixelLimit(maxPixels)} decoded at most`;
}



/** The centred square of a w x h image: MXNet's `margin = (long - short) / 2`, floored. */
function centreSquare(width: number, height: number): Crop {
  return height > width
    ? { x: 0, y: Math.floor((height - width) / 2), width, height: width }
    : { x: Math.floor((width - height) / 2), y: 0, width: height, height };
}

/** inter_method 10: a fixed per-image choice (MXNet draws from random_device, so no two runs agree). */
function randomPick(index: RecordId): number {
  // Its low 32 bits, as `^` takes them from a number.
  const low = typeof index === 'bigint' ? Number(BigInt.asUintN(32, index)) : index;
  let h = Math.imul(low ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) % 5;
}

/** An image that is skipped, not planned: the size it would resize to cannot be written. */
export interface Unplannable {
  /** The reason, for the skip report. */
  skip: string;
}

/**
 * The codec options for one image, from its header. `index` seeds
 * inter_method 10. OpenCV turns EXIF-rotated photos upright when it decodes
 * in colour or gray (not with -1), so MXNet's output sizes are the upright ones.
 */
export function planImage(info: { width: number; height: number; orientation?: number }, s: ImageSettings, index: RecordId): TranscodeOptions | Unplannable {
  // Refused here from its header, in its size's words, before the codec would refuse it in its own.
  const tooMany = pixelLimitReason(info.width, info.height, s.maxPixels);
  if (tooMany) return { skip: tooMany };
  const autoOrient = s.color !== -1;
  const [width, height] = autoOrient && (info.orientation ?? 1) >= 5 ? [info.height, info.width] : [info.width, info.height];
  const options: TranscodeOptions = {
    autoOrient,
    maxPixels: s.maxPixels,
    color: s.color === 1 ? 'rgb' : s.color === 0 ? 'gray' : 'keep',
    ...(s.encoding === '.png'
      ? { format: 'png', compressionLevel: pngLevel(s) }
      : { format: 'jpeg', quality: Math.min(100, Math.max(1, s.quality)) }),
  };
  let region = { width, height };
  if (s.centerCrop && (s.form === 'py' || s.resize > 0)) {
    options.crop = centreSquare(width, height);
    region = { width: options.crop.width, height: options.crop.height };
  }
  if (s.resize > 0) {
    const target = shorterEdgeSize(region.width, region.height, s.resize);
    if (target.width < 1 || target.height < 1) {
      return { skip: `a ${width}x${height} image would resize to ${target.width}x${target.height}` };
    }
    // An output no encoder here can write, or that would take more memory than any input may: refused, not tried.
    if (target.width > MAX_SIDE || target.height > MAX_SIDE || target.width * target.height > s.maxPixels) {
      const most = target.width > MAX_SIDE || target.height > MAX_SIDE ? `more than the ${MAX_SIDE} pixels a side may have` : `more than the ${pixelLimit(s.maxPixels)} pixels an image may have`;
      return { skip: `too large: a ${width}x${height} image would resize to ${target.width}x${target.height}, ${most}` };
    }
    if (target.width !== region.width || target.height !== region.height) {
      options.width = target.width;
      options.height = target.height;
      options.filter = interMethodFilter(s.interMethod, region, target, () => randomPick(index));
    }
  }
  return options;
}

/**
 * PNG compression level from `quality`: im2rec.py hands it to OpenCV, which
 * clamps to 0..9; im2rec.cc replaces anything above 9 with 3.
 */
function pngLevel(s: ImageSettings): number {
  if (s.form === 'cc' && s.quality > 9) return 3;
  return Math.min(9, Math.max(0, s.quality));
}

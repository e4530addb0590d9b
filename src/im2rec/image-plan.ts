/**
 * What im2rec does to each image, per MXNet command line: which region to
 * keep, the output size, the interpolation and the encoding. The pixel work
 * itself is the codec's (src/codec); this module only decides.
 */
import { shorterEdgeSize } from '../codec/codec.js';
import { type Crop, type TranscodeOptions } from '../codec/types.js';
import { DEFAULT_MAX_PIXELS, MAX_SIDE } from '../io/limits.js';
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
  const autoOrient = s.color !== -1;
  const [width, height] = autoOrient && (info.orientation ?? 1) >= 5 ? [info.height, info.width] : [info.width, info.height];
  const options: TranscodeOptions = {
    autoOrient,
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
    if (target.width > MAX_SIDE || target.height > MAX_SIDE || target.width * target.height > DEFAULT_MAX_PIXELS) {
      return { skip: `too large: a ${width}x${height} image would resize to ${target.width}x${target.height}, more than the ${DEFAULT_MAX_PIXELS} pixels an image may have` };
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

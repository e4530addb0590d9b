/** What the image codecs take and give, whichever path (native or sharp) does the work. */

/** Interpolation, with the meanings of OpenCV's flags (MXNet's `inter_method` 0..4). */
export type Filter = 'nearest' | 'linear' | 'cubic' | 'area' | 'lanczos';
export const FILTERS: readonly Filter[] = ['nearest', 'linear', 'cubic', 'area', 'lanczos'];

/** A region of the source image, in source pixels. */
export interface Crop {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Geometry {
  /** Region to keep; default the whole image. Applied before resizing. */
  crop?: Crop;
  /** Interpolation for the resize; default 'linear' (MXNet's default). */
  filter?: Filter;
  /**
   * Refuse images whose declared width x height exceeds this many pixels
   * (default 268,402,689 = 16383², sharp's default), before allocating anything.
   */
  maxPixels?: number;
}

export interface TranscodeOptions extends Geometry {
  /**
   * Turn the image upright per its EXIF orientation first, as OpenCV's
   * IMREAD_COLOR and IMREAD_GRAYSCALE do; `crop` is then in upright
   * coordinates. Default false (the pixels as stored).
   */
  autoOrient?: boolean;
  /** Output size; default the crop's size (no resize). Give both or neither. */
  width?: number;
  height?: number;
  /**
   * 'rgb' (3 channels, the default), 'gray' (1 channel, decoded straight from
   * luma) or 'keep' (gray stays gray, colour becomes RGB; alpha is kept in
   * PNG output only): OpenCV's IMREAD_COLOR, IMREAD_GRAYSCALE, IMREAD_UNCHANGED.
   */
  color?: 'rgb' | 'gray' | 'keep';
  /** Output format; default 'jpeg'. PNG output is written by sharp. */
  format?: 'jpeg' | 'png';
  /** JPEG quality 1..100; default 95 (im2rec's default). */
  quality?: number;
  /** PNG zlib level 0..9; default 6. */
  compressionLevel?: number;
}

export interface DecodeIntoOptions extends Geometry {
  /**
   * (Inherited) The region to keep. Here its edges may be fractional: the
   * window is resampled exactly, which is how resize-then-crop is done in one
   * step. The sharp path rounds it to whole pixels.
   */
  crop?: Crop;
  /** Output size: the batch's data shape. Required. */
  width: number;
  height: number;
  /** 3 (RGB planes, the default), 1 (gray) or 4 (RGBA, alpha opaque where the image has none; through sharp). */
  channels?: 1 | 3 | 4;
  /** Flip left-right. */
  mirror?: boolean;
  /** Per channel, in RGB order; the output is (pixel - mean) * scale / std. Float32 output only. */
  mean?: readonly number[];
  std?: readonly number[];
  scale?: number;
}

export interface ImageInfo {
  format: string;
  width: number;
  height: number;
  /** Components stored in the file (1 gray, 3 colour, 4 CMYK or RGBA). */
  channels: number;
  /** The EXIF orientation (2-8) when the file declares one that is not "as stored"; width and height are as stored. */
  orientation?: number;
}

export interface EncodedImage {
  /** The encoded bytes. */
  data: Buffer;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** 4 only for PNG output of an image with alpha and color 'keep'. */
  channels: 1 | 3 | 4;
  /** Which implementation did the work: the addon (with png.ts decoding a PNG), or sharp (libvips). */
  codec: 'native' | 'sharp';
}

export type ImageErrorCode = 'CORRUPT' | 'UNSUPPORTED' | 'TOO_LARGE' | 'BAD_ARGUMENT';

/** One image could not be decoded or encoded; the message says why. */
export class ImageError extends MxrecError {
  override readonly name = 'ImageError';
  readonly kind = 'data';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

import { MxrecError } from '../util/errors.js';
export const DEFAULT_QUALITY = 95;

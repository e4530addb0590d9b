/**
 * What decoding one image really holds at its peak, from its header: the
 * share of the decode budget it takes (codec.ts), and the reason an image
 * is refused when that alone is more than the whole budget.
 *
 * Measured with 16383² images (the most an image may have) and 8192² ones,
 * peak RSS of a process doing nothing else, per pixel of the source image:
 *
 * - libvips streams JPEG, non-interlaced PNG and TIFF (strips and tiles, a
 *   16383-row deflate strip too): a band of rows, whatever the image's height
 *   (16383² in about 50 MB to JPEG, once the encoder's Huffman optimisation,
 *   which keeps every coefficient of the image, is off: sharp-path.ts).
 * - Other loaders hold the whole image: an interlaced PNG (its bands, at its
 *   sample size); a GIF (libnsgif's RGBA frame: 4.2 bytes); a WebP (libwebp's
 *   ARGB image for a lossless one, or libvips' RGBA frame: 7.8 to 8.0 bytes);
 *   AVIF/HEIF (libheif's planes and its RGB output: 17 to 18 bytes at 8 bits,
 *   24 at 12); SVG (librsvg's rendering: 1 byte); BMP (bmp.ts's pixels).
 * - Turning an image upright (autoOrient with an EXIF orientation) makes
 *   sharp copy it whole first, at its bands and sample size.
 * - A CMYK JPEG is converted the way OpenCV does it from its whole CMYK
 *   pixels (4 bytes; sharp-path.ts converts them in place).
 * - The addon (libjpeg-turbo) decodes a JPEG whole, at full size or at
 *   the DCT-scaled size it resizes from: 3 bytes a pixel at most, and for a
 *   transcode the output's planes besides (2.5 bytes a pixel of the output).
 *   A transcode that would hold more than NATIVE_TRANSCODE_MAX_BYTES goes to
 *   libvips instead, which streams it (16383² to JPEG: 1.35 GB as planes,
 *   about 110 MB streamed).
 */

/** What the cost of a decode through libvips depends on, from the image's header. */
export interface VipsHeader {
  /** sharp's name for it: 'jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'svg', 'bmp', ... */
  format: string;
  width: number;
  height: number;
  /** Bands as decoded (a palette PNG: 3, or 4 with transparency). */
  bands: number;
  bytesPerSample: number;
  /** An interlaced (Adam7) PNG: decoded whole. */
  interlaced?: boolean;
  /** Has an EXIF orientation other than "as stored" (or may have: a PNG's eXIf chunk). */
  oriented?: boolean;
  /** A CMYK or YCCK JPEG. */
  cmyk?: boolean;
}

/** Bytes per source pixel held by loaders that keep the whole image (see the file comment). */
const WHOLE_IMAGE_BYTES: Record<string, (h: VipsHeader) => number> = {
  webp: () => 8,
  gif: () => 5,
  heif: (h) => (h.bytesPerSample > 1 ? 24 : 18),
  avif: (h) => (h.bytesPerSample > 1 ? 24 : 18),
  svg: () => 2,
  bmp: (h) => h.bands,
};

/** Formats libvips decodes a band of rows at a time. */
const STREAMED = new Set(['jpeg', 'png', 'tiff']);

/** The rows a streamed decode is allowed for: libvips' line caches and its threads' strips (about 50 MB at 16383 RGB columns). */
const STREAMED_ROWS = 1024;

/** Bytes decoding (and, for `transcode`, re-encoding) an image through libvips holds at its peak. */
export function vipsCost(h: VipsHeader, o: { autoOrient?: boolean } = {}): number {
  const pixels = h.width * h.height;
  const whole = pixels * h.bands * h.bytesPerSample;
  let bytes: number;
  if (h.format === 'png' && h.interlaced) bytes = whole;
  else if (STREAMED.has(h.format)) bytes = Math.min(whole, h.width * h.bands * h.bytesPerSample * STREAMED_ROWS);
  else bytes = pixels * (WHOLE_IMAGE_BYTES[h.format]?.(h) ?? h.bands * h.bytesPerSample);
  if (h.cmyk) bytes += pixels * 4;
  if (o.autoOrient && h.oriented) bytes += pixels * (h.cmyk ? 4 : h.bands) * h.bytesPerSample;
  return bytes;
}

/** The addon decoding a JPEG into a batch (decodeInto): its pixels, at full size at most. */
export function nativeDecodeCost(width: number, height: number): number {
  return width * height * 3;
}

/** The addon transcoding a JPEG: its decoded planes (at most full size) and the output's. */
export function nativeTranscodeCost(width: number, height: number, out: { width: number; height: number }): number {
  return width * height * 3 + Math.ceil(out.width * out.height * 2.5);
}

const MiB = 2 ** 20;
const FORMAT_NAMES: Record<string, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', gif: 'GIF', tiff: 'TIFF', heif: 'HEIF', avif: 'AVIF', svg: 'SVG', bmp: 'BMP' };

/** Why an image is not decoded: what it would hold against the whole budget. */
export function overBudgetMessage(h: { format: string; width: number; height: number }, bytes: number, budget: number): string {
  const format = FORMAT_NAMES[h.format] ?? h.format;
  return `a ${h.width}x${h.height} ${format} takes about ${Math.ceil(bytes / MiB)} MiB to decode, more than the decode budget of ${Math.floor(budget / MiB)} MiB (MXREC_DECODE_BUDGET_MB)`;
}

/**
 * The common PNGs decoded here, without libvips: for a transcode to JPEG (im2rec's
 * PNG images), which the addon then crops, resizes and encodes from the pixels.
 *
 * Why: through sharp a PNG cost a pack two to three times what it costs OpenCV
 * (libvips' per-image set-up, and sharp's load: about 0.2 s on the first PNG of a
 * run); the work itself is zlib's inflate (Node's own zlib, on libuv's pool) and
 * undoing each row's filter, which is small.
 *
 * The layout: an 8-byte signature, then chunks (length, type, data, CRC-32 of
 * type and data): IHDR (width, height, bit depth, colour type, compression,
 * filter, interlace), PLTE for palette images, tRNS, ancillary chunks, IDAT
 * (one zlib stream over all of them), IEND. Each row of the inflated stream is
 * one filter byte (0 none, 1 sub, 2 up, 3 average, 4 Paeth) and the row's bytes.
 *
 * Read here: 8-bit, non-interlaced gray, RGB, palette, gray+alpha and RGBA, as
 * sharp's pipeline would give them in RGB (alpha dropped, gray repeated in
 * three bands, palette entries looked up): the same pixels, so the same output
 * bytes (a test compares them with sharp's). Everything else returns null and
 * goes to sharp as before: other depths, interlaced images, an ICC profile (sharp
 * converts its colours), an eXIf orientation, and anything damaged (a short or
 * long stream, a palette index past the palette), so that sharp gives the same
 * verdict and message it always did.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';

const inflate = promisify(zlib.inflate);

/** The first 8 bytes of every PNG. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Chunk types, as the big-endian words they are in the file (codec.ts's pngHeader reads some too). */
export const IHDR = 0x49484452;
export const IDAT = 0x49444154;
export const TRNS = 0x74524e53;
export const EXIF = 0x65584966;
const PLTE = 0x504c5445;
const IEND = 0x49454e44;
const ICCP = 0x69434350;
/** Bytes per pixel in the stream, by colour type (8 bits a sample). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** RGB pixels, interleaved. */
export interface PngPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

/**
 * The image's pixels as RGB, or null for a PNG this module leaves to sharp
 * (see the file comment). `maxPixels`: a larger image is left to sharp too,
 * which refuses it in its own words.
 */
export async function decodePngRgb(input: Uint8Array, maxPixels: number): Promise<PngPixels | null> {
  if (input.length < 8 + 25 || !PNG_SIGNATURE.equals(input.subarray(0, 8))) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let width = 0;
  let height = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  for (let at = 8; !ended; ) {
    if (at + 12 > input.length) return null;
    const length = view.getUint32(at);
    const type = view.getUint32(at + 4);
    const data = at + 8;
    if (length > input.length - data - 4) return null;
    // CRCs are not checked: libvips does not either (a PNG whose CRCs are wrong decodes there), and the verdict must be the same.
    if (at === 8) {
      // IHDR: first, 13 bytes, 8-bit, compression 0, filter 0, not interlaced.
      if (type !== IHDR || length !== 13) return null;
      width = view.getUint32(data);
      height = view.getUint32(data + 4);
      colorType = input[data + 9]!;
      if (input[data + 8] !== 8 || SAMPLES[colorType] === undefined || input[data + 10] !== 0 || input[data + 11] !== 0 || input[data + 12] !== 0) return null;
      if (width === 0 || height === 0 || width * height > maxPixels) return null;
    } else if (type === PLTE) {
      if (length % 3 !== 0 || length === 0) return null;
      palette = input.subarray(data, data + length);
    } else if (type === IDAT) {
      idat.push(input.subarray(data, data + length));
    } else if (type === ICCP || type === EXIF) {
      return null;
    } else if (type === IEND) {
      ended = true;
    } else if ((type & 0x20000000) === 0) {
      return null; // a critical chunk this module does not know (its first letter upper case)
    }
    at = data + length + 4;
  }
  if (idat.length === 0 || (colorType === 3 && palette === null)) return null;
  const bpp = SAMPLES[colorType]!;
  const rowBytes = width * bpp;
  const expected = height * (rowBytes + 1);
  let rows: Buffer;
  try {
    // One output chunk of the image's size: one trip to the pool, and no chunks to join (16 KiB
    // chunks, the default, cost more than the inflate).
    rows = await inflate(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: expected, chunkSize: Math.max(expected, 64) });
  } catch {
    return null; // damaged, or more than the image holds: sharp's verdict
  }
  if (rows.length !== expected || !unfilter(rows, height, rowBytes, bpp)) return null;
  return toRgb(rows, width, height, colorType, palette);
}

/** Undoes each row's filter in place; false for an unknown filter type. */
function unfilter(rows: Buffer, height: number, rowBytes: number, bpp: number): boolean {
  const stride = rowBytes + 1;
  for (let y = 0; y < height; y++) {
    const start = y * stride + 1;
    const end = start + rowBytes;
    switch (rows[start - 1]) {
      case 0:
        break;
      case 1:
        for (let i = start + bpp; i < end; i++) rows[i] = (rows[i]! + rows[i - bpp]!) & 0xff;
        break;
      case 2:
        if (y > 0) for (let i = start; i < end; i++) rows[i] = (rows[i]! + rows[i - stride]!) & 0xff;
        break;
      case 3:
        for (let i = start; i < end; i++) {
          const left = i - bpp >= start ? rows[i - bpp]! : 0;
          const above = y > 0 ? rows[i - stride]! : 0;
          rows[i] = (rows[i]! + ((left + above) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = start; i < end; i++) {
          const hasLeft = i - bpp >= start;
          const a = hasLeft ? rows[i - bpp]! : 0;
          const b = y > 0 ? rows[i - stride]! : 0;
          const c = hasLeft && y > 0 ? rows[i - bpp - stride]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          rows[i] = (rows[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The unfiltered rows as RGB; null for a palette index past the palette. RGB
 * and RGBA are packed in place (each pixel moves to a lower offset), so only
 * the types that grow (gray, palette) take a buffer of their own.
 */
function toRgb(rows: Buffer, width: number, height: number, colorType: number, palette: Uint8Array | null): PngPixels | null {
  const bpp = SAMPLES[colorType]!;
  const stride = width * bpp + 1;
  const inPlace = colorType === 2 || colorType === 6;
  const out = inPlace ? rows : Buffer.allocUnsafe(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let i = y * stride + 1;
    const end = i + width * bpp;
    if (colorType === 2) {
      rows.copyWithin(o, i, end);
      o += width * 3;
      continue;
    }
    for (; i < end; i += bpp) {
      if (colorType === 3) {
        const p = rows[i]! * 3;
        if (p + 3 > palette!.length) return null;
        out[o++] = palette![p]!;
        out[o++] = palette![p + 1]!;
        out[o++] = palette![p + 2]!;
      } else if (colorType === 6) {
        out[o++] = rows[i]!;
        out[o++] = rows[i + 1]!;
        out[o++] = rows[i + 2]!;
      } else {
        const g = rows[i]!; // gray, or gray+alpha
        out[o++] = g;
        out[o++] = g;
        out[o++] = g;
      }
    }
  }
  return { data: inPlace ? rows.subarray(0, o) : out, width, height, channels: 3 };
}

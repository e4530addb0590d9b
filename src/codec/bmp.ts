/**
 * Windows bitmaps (.bmp), which OpenCV reads and so MXNet's tools pack, but
 * libvips (sharp) does not: the header, and the pixels as raw RGB (or gray,
 * for a palette of grays, as OpenCV keeps it) for sharp to take from there.
 *
 * The layout: a 14-byte file header ("BM", file size, reserved, offset of the
 * pixels), then an info header (12 bytes for OS/2's, 40 or more for
 * Windows'), a palette for 1-, 4- and 8-bit images, and rows of pixels padded
 * to 4 bytes, bottom row first unless the height is negative. Uncompressed
 * (BI_RGB) 1/4/8/24/32-bit images and 32-bit BI_BITFIELDS with the usual
 * masks are read; RLE and 16-bit ones are UNSUPPORTED.
 */
import { ImageError } from './types.js';

export interface BmpHeader {
  width: number;
  height: number;
  /** 1 for a palette of grays, else 3. */
  channels: 1 | 3;
  bitCount: number;
  topDown: boolean;
  /** Where the pixel rows start. */
  pixels: number;
  /** B, G, R per palette entry, for 8 bits and fewer. */
  palette: Uint8Array | null;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

export function bmpHeader(input: Uint8Array): BmpHeader {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const corrupt = (what: string) => new ImageError('CORRUPT', `BMP: ${what}`);
  if (!isBmp(bytes) || bytes.length < 26) throw corrupt('too short for its headers');
  const pixels = bytes.readUInt32LE(10);
  const infoSize = bytes.readUInt32LE(14);
  let width: number;
  let height: number;
  let bitCount: number;
  let compression = BI_RGB;
  let colours = 0;
  let entry = 4; // bytes per palette entry
  if (infoSize === 12) {
    width = bytes.readUInt16LE(18);
    height = bytes.readInt16LE(20);
    bitCount = bytes.readUInt16LE(24);
    entry = 3;
  } else if (infoSize >= 40 && bytes.length >= 14 + 40) {
    width = bytes.readInt32LE(18);
    height = bytes.readInt32LE(22);
    bitCount = bytes.readUInt16LE(28);
    compression = bytes.readUInt32LE(30);
    colours = bytes.readUInt32LE(46);
  } else {
    throw corrupt(`an info header of ${infoSize} bytes`);
  }
  if (width <= 0 || height === 0) throw corrupt(`a size of ${width}x${height}`);
  if (compression === BI_BITFIELDS && bitCount === 32) {
    // Only the usual masks (8 bits each, in BGRX order) are read; they follow a 40-byte header, or lie inside a larger one.
    const at = 14 + 40;
    const ok = bytes.length >= at + 12 && bytes.readUInt32LE(at) === 0x00ff0000 && bytes.readUInt32LE(at + 4) === 0x0000ff00 && bytes.readUInt32LE(at + 8) === 0x000000ff;
    if (!ok) throw new ImageError('UNSUPPORTED', 'BMP: 32-bit with unusual channel masks');
  } else if (compression !== BI_RGB) {
    throw new ImageError('UNSUPPORTED', `BMP: compression ${compression} (RLE or other)`);
  }
  if (![1, 4, 8, 24, 32].includes(bitCount)) throw new ImageError('UNSUPPORTED', `BMP: ${bitCount} bits per pixel`);
  let palette: Uint8Array | null = null;
  if (bitCount <= 8) {
    const count = colours > 0 && colours <= 1 << bitCount ? colours : 1 << bitCount;
    const start = 14 + infoSize;
    if (start + count * entry > bytes.length) throw corrupt('the palette runs past the end of the file');
    palette = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) palette.set(bytes.subarray(start + i * entry, start + i * entry + 3), i * 3);
  }
  const gray = palette !== null && palette.every((_, i) => i % 3 !== 0 || (palette![i] === palette![i + 1] && palette![i] === palette![i + 2]));
  return { width, height: Math.abs(height), channels: gray ? 1 : 3, bitCount, topDown: height < 0, pixels, palette };
}

/** The pixels, top row first, as RGB (or gray); `maxPixels` is checked before anything is allocated. */
export function decodeBmp(input: Uint8Array, maxPixels: number): { data: Buffer; width: number; height: number; channels: 1 | 3 } {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const h = bmpHeader(bytes);
  const { width, height, channels, bitCount, palette } = h;
  if (width * height > maxPixels) throw new ImageError('TOO_LARGE', `BMP: ${width}x${height} is more than the ${maxPixels} pixels decoded at most`);
  const stride = Math.ceil((width * bitCount) / 32) * 4;
  if (h.pixels + stride * height > bytes.length) throw new ImageError('CORRUPT', 'BMP: the pixel rows run past the end of the file (truncated?)');
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = h.pixels + stride * (h.topDown ? y : height - 1 - y);
    let at = y * width * channels;
    for (let x = 0; x < width; x++) {
      if (palette) {
        const bits = bitCount;
        const perByte = 8 / bits;
        const byte = bytes[row + Math.floor(x / perByte)]!;
        const index = (byte >> (8 - bits * ((x % perByte) + 1))) & ((1 << bits) - 1);
        const p = Math.min(index, palette.length / 3 - 1) * 3; // an index past the palette reads its last entry
        if (channels === 1) out[at++] = palette[p]!;
        else {
          out[at++] = palette[p + 2]!;
          out[at++] = palette[p + 1]!;
          out[at++] = palette[p]!;
        }
      } else {
        const px = row + x * (bitCount / 8); // B, G, R (and X)
        out[at++] = bytes[px + 2]!;
        out[at++] = bytes[px + 1]!;
        out[at++] = bytes[px]!;
      }
    }
  }
  return { data: out, width, height, channels };
}

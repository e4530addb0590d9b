/**
 * What kind of image a payload holds, from its first bytes (no decoding):
 * for counting formats over a whole file cheaply, and for not handing libvips
 * bytes that no image format starts with (each such call costs ~0.1 ms, which
 * over millions of non-image payloads is minutes).
 */
export type SniffedFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp' | 'tiff' | 'avif' | 'heif' | 'svg' | 'empty' | 'unknown';

function startsWith(bytes: Uint8Array, ascii: string, at = 0): boolean {
  if (bytes.length < at + ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

export function sniffFormat(bytes: Uint8Array): SniffedFormat {
  if (bytes.length === 0) return 'empty';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (startsWith(bytes, '\x89PNG\r\n\x1a\n')) return 'png';
  if (startsWith(bytes, 'GIF8')) return 'gif';
  if (startsWith(bytes, 'BM')) return 'bmp';
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return 'webp';
  if (startsWith(bytes, 'II*\x00') || startsWith(bytes, 'MM\x00*')) return 'tiff';
  // ISO base media (an ftyp box first): AVIF and HEIF by their brand.
  if (startsWith(bytes, 'ftyp', 4)) {
    if (startsWith(bytes, 'avi', 8)) return 'avif';
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].some((brand) => startsWith(bytes, brand, 8))) return 'heif';
  }
  if (/^(\ufeff)?\s*<(\?xml|svg|!--)/.test(Buffer.from(bytes.subarray(0, 64)).toString('latin1'))) return 'svg';
  return 'unknown';
}

/** The file extension (no dot) bytes of each format are saved under; `bin` for bytes of no known format. */
export const FILE_EXTENSION: Readonly<Record<SniffedFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  gif: 'gif',
  bmp: 'bmp',
  webp: 'webp',
  tiff: 'tif',
  avif: 'avif',
  heif: 'heic',
  svg: 'svg',
  empty: 'bin',
  unknown: 'bin',
};

/** Whether the bytes start as an image format could (what libvips is worth asking about). */
export function looksLikeAnImage(bytes: Uint8Array): boolean {
  const format = sniffFormat(bytes);
  return format !== 'unknown' && format !== 'empty';
}

/**
 * The EXIF orientation of a JPEG (1-8; 1 = as stored), read from the APP1
 * "Exif" segment's first IFD. OpenCV's IMREAD_COLOR and IMREAD_GRAYSCALE
 * apply it (so MXNet's im2rec rotates phone photos); IMREAD_UNCHANGED does not.
 * Anything missing or malformed reads as 1: orientation is a hint, never an error.
 */
const ORIENTATION_TAG = 0x0112;

export function jpegOrientation(jpeg: Uint8Array): number {
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  let at = 2; // after SOI
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // image data: no metadata after this
    const length = view.getUint16(at + 2);
    if (marker === 0xe1 && length >= 8 && at + 2 + length <= jpeg.length && view.getUint32(at + 4) === 0x45786966 /* Exif */) {
      return tiffOrientation(view, at + 10, at + 2 + length);
    }
    at += 2 + length;
  }
  return 1;
}

function tiffOrientation(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1; // "II" little-endian, "MM" big-endian
  const le = order === 0x4949;
  const ifd = tiff + view.getUint32(tiff + 4, le);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, le);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, le) === ORIENTATION_TAG) {
      const value = view.getUint16(entry + 8, le);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

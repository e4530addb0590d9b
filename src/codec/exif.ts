/**
 * The EXIF orientation of a JPEG (1-8; 1 = as stored), read from the APP1
 * "Exif" segment's first IFD. OpenCV's IMREAD_COLOR and IMREAD_GRAYSCALE
 * apply it (so MXNet's im2rec rotates phone photos); IMREAD_UNCHANGED does not.
 * Anything missing or malformed reads as 1: orientation is a hint, never an error.
 */
const ORIENTATION_TAG = 0x0112;

export function jpegOrientation(jpeg: Uint8Array): number {
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  const found = findSegment(jpeg, (marker, at, length) =>
    marker === 0xe1 && length >= 8 && at + 2 + length <= jpeg.length && view.getUint32(at + 4) === 0x45786966 /* Exif */
      ? tiffOrientation(view, at + 10, at + 2 + length)
      : undefined,
  );
  return found ?? 1;
}

/**
 * Walks a JPEG's marker segments from after SOI up to its first scan (or
 * EOI), calling `visit(marker, at, length)` for each (`at`: its 0xFF byte,
 * `length`: the segment's length field). Stops at the first value `visit`
 * returns, and returns it; undefined when none did.
 */
export function findSegment<T>(jpeg: Uint8Array, visit: (marker: number, at: number, length: number) => T | undefined): T | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) {
      at += 1; // a fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // image data: no more segments of interest
    const length = (jpeg[at + 2]! << 8) | jpeg[at + 3]!;
    const found = visit(marker, at, length);
    if (found !== undefined) return found;
    at += 2 + length;
  }
  return undefined;
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

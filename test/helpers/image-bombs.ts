/**
 * Small files that declare huge images (up to the 16383² pixels an image may
 * have), written byte by byte so that making them costs milliseconds, not the
 * minutes an encoder takes over 268 M pixels: a WebP of a few dozen bytes, a
 * TIFF of about a hundred and a PNG of under a megabyte.
 */
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/** Bits written least significant first, as VP8L reads them. */
class BitWriter {
  private bytes: number[] = [];
  private bits = 0;
  private count = 0;

  write(value: number, n: number): this {
    for (let i = 0; i < n; i++) {
      this.bits |= ((value >>> i) & 1) << this.count;
      if (++this.count === 8) {
        this.bytes.push(this.bits);
        this.bits = 0;
        this.count = 0;
      }
    }
    return this;
  }

  done(): Buffer {
    if (this.count > 0) this.bytes.push(this.bits);
    return Buffer.from(this.bytes);
  }
}

/**
 * A lossless WebP (VP8L) of one colour: every prefix code holds one symbol,
 * so each pixel takes no bits at all and the file is 32 bytes whatever its
 * size. `alpha` marks it as having an alpha channel (libvips then decodes RGBA).
 */
export function flatWebp(width: number, height: number, o: { alpha?: boolean; grey?: number } = {}): Buffer {
  const grey = o.grey ?? 0x80;
  const w = new BitWriter()
    .write(0x2f, 8) // VP8L signature
    .write(width - 1, 14)
    .write(height - 1, 14)
    .write(o.alpha ? 1 : 0, 1)
    .write(0, 3) // version
    .write(0, 1) // no transform
    .write(0, 1) // no colour cache
    .write(0, 1); // one set of prefix codes for the whole image
  // Green (with length and cache symbols), red, blue, alpha, distance: a "simple" code of one 8-bit symbol each.
  for (const symbol of [grey, grey, grey, 0xff, 0]) w.write(1, 1).write(0, 1).write(1, 1).write(symbol, 8);
  const bits = w.done();
  const data = bits.length % 2 ? Buffer.concat([bits, Buffer.alloc(1)]) : bits; // chunks are padded to even sizes
  const chunk = Buffer.alloc(8);
  chunk.write('VP8L', 0, 'latin1');
  chunk.writeUInt32LE(bits.length, 4);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + 8 + data.length, 4);
  riff.write('WEBP', 8, 'latin1');
  return Buffer.concat([riff, chunk, data]);
}

/**
 * An uncompressed RGB TIFF of one strip that declares no bytes (a sparse
 * strip: libtiff reads zeros): 122 bytes for any size.
 */
export function sparseTiff(width: number, height: number): Buffer {
  const entries: [tag: number, type: number, value: number][] = [
    [256, 4, width], // ImageWidth, LONG
    [257, 4, height], // ImageLength
    [258, 3, 8], // BitsPerSample (one value for every sample)
    [259, 3, 1], // Compression: none
    [262, 3, 2], // Photometric: RGB
    [273, 4, 0], // StripOffsets
    [277, 3, 3], // SamplesPerPixel
    [278, 4, height], // RowsPerStrip: one strip
    [279, 4, 0], // StripByteCounts: none
  ];
  const b = Buffer.alloc(8 + 2 + entries.length * 12 + 4);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4);
  b.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    b.writeUInt16LE(tag, at);
    b.writeUInt16LE(type, at + 2);
    b.writeUInt32LE(1, at + 4);
    if (type === 3) b.writeUInt16LE(value, at + 8);
    else b.writeUInt32LE(value, at + 8);
  });
  return b;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * An 8-bit PNG whose rows are given by `row(y)` (bytes without the filter
 * byte: width x bands), deflated a block at a time: a few seconds and under
 * a megabyte for 16383² of zeros or of a repeating pattern.
 */
export async function patternPng(width: number, height: number, bands: 1 | 3 | 4, row: (y: number) => Buffer): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8({ 1: 0, 3: 2, 4: 6 }[bands], 9); // colour type: gray, RGB, RGBA
  const stride = width * bands + 1; // a filter byte (none), then the pixels
  const rowsPerBlock = Math.max(1, Math.floor((8 << 20) / stride));
  async function* rows() {
    for (let y = 0; y < height; y += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, height - y);
      const block = Buffer.alloc(stride * n);
      for (let r = 0; r < n; r++) row(y + r).copy(block, r * stride + 1);
      yield block;
    }
  }
  const parts: Buffer[] = [];
  await pipeline(rows(), zlib.createDeflate({ level: 9 }), async (deflated: AsyncIterable<Buffer>) => {
    for await (const part of deflated) parts.push(part);
  });
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.concat(parts)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** An 8-bit RGB (or RGBA) PNG of zeros: about 800 KB for 16383² RGB. */
export function zeroPng(width: number, height: number, o: { alpha?: boolean } = {}): Promise<Buffer> {
  const bands = o.alpha ? 4 : 3;
  const zeros = Buffer.alloc(width * bands);
  return patternPng(width, height, bands, () => zeros);
}

/** A gray PNG of black and white pixels in a checkerboard: tiny as a PNG, and about as large as JPEG gets (0.4 bytes a pixel at quality 95). */
export function checkerboardPng(width: number, height: number): Promise<Buffer> {
  const rows = [0, 1].map((phase) => Buffer.from(Array.from({ length: width }, (_, x) => ((x + phase) & 1 ? 255 : 0))));
  return patternPng(width, height, 1, (y) => rows[y & 1]!);
}

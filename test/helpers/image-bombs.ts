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
 * An 8-bit RGB (or RGBA) PNG of zeros, its rows deflated a block at a time:
 * about 800 KB for 16383² RGB, made in a few seconds.
 */
export async function zeroPng(width: number, height: number, o: { alpha?: boolean } = {}): Promise<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(o.alpha ? 6 : 2, 9); // colour type: RGBA or RGB
  const row = width * (o.alpha ? 4 : 3) + 1; // a filter byte (none), then the pixels
  const rowsPerBlock = Math.max(1, Math.floor((8 << 20) / row));
  const block = Buffer.alloc(row * rowsPerBlock);
  async function* rows() {
    for (let y = 0; y < height; y += rowsPerBlock) yield block.subarray(0, row * Math.min(rowsPerBlock, height - y));
  }
  const parts: Buffer[] = [];
  await pipeline(rows(), zlib.createDeflate({ level: 9 }), async (deflated: AsyncIterable<Buffer>) => {
    for await (const part of deflated) parts.push(part);
  });
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', Buffer.concat(parts)), pngChunk('IEND', Buffer.alloc(0))]);
}

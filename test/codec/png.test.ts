/**
 * PNGs decoded without libvips (src/codec/png.ts): for every colour type and
 * every row filter, the RGB pixels equal sharp's (the decoder the transcode
 * used before, so im2rec's output bytes stay the same); what png.ts does not
 * read (other depths, interlacing, an ICC profile, an orientation, damage)
 * returns null and goes to sharp as before. The PNGs are made here from the
 * specification (filters applied by hand, zlib, CRC-32), and by sharp itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { decodePngRgb } from '../../src/codec/png.js';
import { sharpPixels } from '../../src/codec/sharp-path.js';
import { transcode } from '../../src/codec/codec.js';
import { nativeStatus } from '../../src/index.js';

const MAX = 1 << 28;

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The PNG specification's filter of one row (`prev` the row above, unfiltered; zeros for the first). */
function filterRow(type: number, row: Buffer, prev: Buffer, bpp: number): Buffer {
  const out = Buffer.alloc(row.length + 1);
  out[0] = type;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][type]!;
    out[i + 1] = (row[i]! - predictor) & 0xff;
  }
  return out;
}

/** A PNG of 8-bit samples, each row filtered with filters[y % filters.length]. */
function makePng(o: { width: number; height: number; colorType: number; sample: (x: number, y: number, s: number) => number; filters?: number[]; palette?: number[][]; trns?: Buffer; extra?: Buffer[]; depth?: number; interlace?: number; idatParts?: number }): Buffer {
  const bpp = SAMPLES[o.colorType]!;
  const filters = o.filters ?? [0, 1, 2, 3, 4];
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(o.width * bpp);
  for (let y = 0; y < o.height; y++) {
    const row = Buffer.alloc(o.width * bpp);
    for (let x = 0; x < o.width; x++) for (let s = 0; s < bpp; s++) row[x * bpp + s] = o.sample(x, y, s);
    rows.push(filterRow(filters[y % filters.length]!, row, prev, bpp));
    prev = row;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.width, 0);
  ihdr.writeUInt32BE(o.height, 4);
  ihdr[8] = o.depth ?? 8;
  ihdr[9] = o.colorType;
  ihdr[12] = o.interlace ?? 0;
  const stream = zlib.deflateSync(Buffer.concat(rows));
  const parts = o.idatParts ?? 1;
  const step = Math.ceil(stream.length / parts);
  const idat = Array.from({ length: parts }, (_, k) => chunk('IDAT', stream.subarray(k * step, (k + 1) * step)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(o.extra ?? []),
    ...(o.palette ? [chunk('PLTE', Buffer.from(o.palette.flat()))] : []),
    ...(o.trns ? [chunk('tRNS', o.trns)] : []),
    ...idat,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Deterministic noise, so that every filter has work to undo. */
const noise = (x: number, y: number, s: number) => (Math.imul(x * 73 + y * 151 + s * 37, 2654435761) >>> 24) & 0xff;

async function assertSameAsSharp(png: Buffer, what: string): Promise<void> {
  const ours = await decodePngRgb(png, MAX);
  assert.ok(ours, `${what}: decoded here`);
  const theirs = await sharpPixels(png, { color: 'rgb' });
  assert.deepEqual([ours.width, ours.height, ours.channels], [theirs.width, theirs.height, theirs.channels], what);
  assert.ok(ours.data.equals(theirs.data), `${what}: the pixels equal sharp's`);
}

describe('PNG without libvips', () => {
  it("every colour type and every filter: sharp's pixels", async () => {
    const palette = Array.from({ length: 200 }, (_, k) => [k, (k * 7) & 0xff, 255 - k]);
    const cases: [string, Parameters<typeof makePng>[0]][] = [
      ['gray', { width: 37, height: 23, colorType: 0, sample: noise }],
      ['RGB', { width: 37, height: 23, colorType: 2, sample: noise }],
      ['palette', { width: 37, height: 23, colorType: 3, sample: (x, y) => (x * 5 + y * 3) % 200, palette }],
      ['palette with tRNS', { width: 31, height: 9, colorType: 3, sample: (x, y) => (x + y) % 200, palette, trns: Buffer.from([0, 128, 255]) }],
      ['gray+alpha', { width: 37, height: 23, colorType: 4, sample: noise }],
      ['RGBA', { width: 37, height: 23, colorType: 6, sample: noise }],
      ['RGB with a colour-key tRNS', { width: 16, height: 8, colorType: 2, sample: noise, trns: Buffer.from([0, 10, 0, 20, 0, 30]) }],
      ['one column, Paeth and average', { width: 1, height: 40, colorType: 2, sample: noise, filters: [3, 4] }],
      ['IDAT in many chunks', { width: 64, height: 64, colorType: 2, sample: noise, idatParts: 7 }],
      ['gAMA, sRGB and tEXt beside', { width: 20, height: 10, colorType: 2, sample: noise, extra: [chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])), chunk('sRGB', Buffer.from([0])), chunk('tEXt', Buffer.from('Comment\0made here'))] }],
    ];
    for (const [what, o] of cases) await assertSameAsSharp(makePng(o), what);
    // And what sharp itself writes, with its own choice of filters.
    for (const channels of [1, 2, 3, 4] as const) {
      const raw = Buffer.from(Array.from({ length: 48 * 32 * channels }, (_, i) => noise(i, i >> 5, i & 3)));
      for (const palette of [false, true]) {
        if (palette && channels < 3) continue;
        const png = await sharp(raw, { raw: { width: 48, height: 32, channels } }).png({ palette, compressionLevel: 9 }).toBuffer();
        await assertSameAsSharp(png, `sharp's ${channels}-band PNG${palette ? ', palette' : ''}`);
      }
    }
  });

  it('leaves to sharp what it does not read, and anything damaged', async () => {
    const base = { width: 8, height: 8, colorType: 2, sample: noise };
    const good = makePng(base);
    assert.ok(await decodePngRgb(good, MAX));
    // A wrong CRC is read past, as libvips reads past it: the same pixels, not a refusal.
    const badCrc = Buffer.from(good);
    const crcAt = good.length - 12 - 4; // the IDAT chunk's CRC
    badCrc[crcAt] = badCrc[crcAt]! ^ 0xff;
    await assertSameAsSharp(badCrc, 'a wrong CRC');
    const truncatedStream = makePng({ ...base, height: 8 }).subarray(0, good.length - 12 - 12); // IEND and the IDAT's tail gone
    const sixteenBit = await sharp(Buffer.alloc(8 * 8 * 3, 100), { raw: { width: 8, height: 8, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    const interlaced = await sharp(Buffer.alloc(8 * 8 * 3, 100), { raw: { width: 8, height: 8, channels: 3 } }).png({ progressive: true }).toBuffer();
    const cases: [string, Buffer, number?][] = [
      ['16-bit', sixteenBit],
      ['interlaced', interlaced],
      ['an ICC profile', makePng({ ...base, extra: [chunk('iCCP', Buffer.from('x\0\0'))] })],
      ['an eXIf orientation', makePng({ ...base, extra: [chunk('eXIf', Buffer.from('MM\0*'))] })],
      ['cut short', truncatedStream],
      ['a palette index past the palette', makePng({ width: 4, height: 4, colorType: 3, sample: () => 5, palette: [[1, 2, 3]] })],
      ['an unknown filter', (() => {
        const rows = Buffer.alloc(2 * (1 + 3));
        rows[0] = 9;
        return makePngFromRows(rows);
      })()],
      ['more pixels than allowed', good, 63],
      ['no PNG', Buffer.from('not a png at all, not at all, not at all')],
    ];
    for (const [what, png, maxPixels] of cases) assert.equal(await decodePngRgb(png, maxPixels ?? MAX), null, what);
  });

  it('im2rec\'s transcode of a PNG takes this path: the addon encodes what png.ts decoded', { skip: nativeStatus.available ? undefined : 'the addon is not built' }, async () => {
    const png = makePng({ width: 90, height: 60, colorType: 6, sample: noise });
    const r = await transcode(png, { width: 45, height: 30, quality: 90 });
    assert.deepEqual([r.width, r.height, r.channels, r.codec], [45, 30, 3, 'native']);
    // A PNG it leaves to sharp still transcodes, through sharp.
    const iccp = makePng({ width: 90, height: 60, colorType: 2, sample: noise, extra: [chunk('iCCP', Buffer.from('x\0\0'))] });
    assert.equal((await transcode(iccp, { width: 45, height: 30 })).codec, 'sharp');
  });
});

/** A 1x2 RGB PNG holding these raw (filter byte + row) bytes as its stream. */
function makePngFromRows(rows: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * One hash per codec case over real JPEGs from test/fixtures: every output of
 * transcodeMany and decodeIntoMany for a spread of filters, sizes (shrinking
 * by DCT scale steps and between them, enlarging), crops (whole-pixel and
 * fractional), gray and colour, uint8 and float32 planes, mirror and
 * normalisation. test/codec/simd-dispatch.test.ts runs it in child processes
 * with and without MXREC_SIMD=baseline and compares the hashes.
 */
import { createHash } from 'node:crypto';
import { decodeIntoMany, RecordReader, transcodeMany, unpackImageRecord, type DecodeIntoOptions, type Filter, type TranscodeOptions } from '../../src/index.js';
import { fixture, jpegSize } from './fixtures.js';

interface Jpeg {
  name: string;
  bytes: Buffer;
  width: number;
  height: number;
  channels: number;
}

function jpegsOf(rel: string, take: (i: number) => boolean): Jpeg[] {
  const reader = RecordReader.open(fixture(rel));
  try {
    const out: Jpeg[] = [];
    let i = 0;
    for (const record of reader) {
      if (take(i)) {
        const bytes = Buffer.from(unpackImageRecord(record.payload).image);
        out.push({ name: `${rel}#${i}`, bytes, ...jpegSize(bytes) });
      }
      i++;
    }
    return out;
  } finally {
    reader.close();
  }
}

/** Colour photos of 255×453 and 255×143, faces of 112×112, and 1-channel glyphs of 28×28. */
export function fixtureJpegs(): { colour: Jpeg[]; gray: Jpeg[] } {
  const colour = [...jpegsOf('readtome/validation.rec', (i) => i % 9 === 0), ...jpegsOf('adaface-tiny/train.rec', (i) => i % 3 === 0)];
  const gray = jpegsOf('gray-glyphs/val.rec', (i) => i % 80 === 0);
  return { colour, gray };
}

const FILTERS: Filter[] = ['nearest', 'linear', 'area', 'cubic', 'lanczos'];

/** Sizes as fractions of the source (rounded, at least 1): between DCT steps, across them, and enlarging. */
const SCALES: Array<[number, number]> = [[0.83, 0.79], [0.41, 0.37], [0.13, 0.16], [1, 1], [1.37, 2.2]];

const size = (n: number, f: number) => Math.max(1, Math.round(n * f));
const hash = (h: ReturnType<typeof createHash>) => h.digest('hex');

/** `hashes`: case name -> sha256 of every image's output, in order; `errors`: the outputs that failed (none expected). */
export async function codecOutputHashes(): Promise<{ hashes: Record<string, string>; errors: string[] }> {
  const { colour, gray } = fixtureJpegs();
  const all = [...colour, ...gray];
  const out: Record<string, string> = {};
  const failed: string[] = [];

  const transcodeCase = async (name: string, images: Jpeg[], options: (img: Jpeg) => TranscodeOptions) => {
    const results = await transcodeMany(images.map((img) => img.bytes), images.map(options));
    const h = createHash('sha256');
    results.forEach((r, i) => {
      h.update(`${images[i]!.name}:`);
      if ('data' in r) h.update(`${r.width}x${r.height}x${r.channels}:`).update(r.data);
      else {
        h.update(`error ${r.code}`);
        failed.push(`transcode ${name} ${images[i]!.name}: ${r.message}`);
      }
    });
    out[`transcode ${name}`] = hash(h);
  };

  const decodeCase = async (name: string, images: Jpeg[], float: boolean, options: (img: Jpeg) => DecodeIntoOptions) => {
    const opts = images.map(options);
    const lengths = opts.map((o) => o.width * o.height * (o.channels ?? 3));
    const total = lengths.reduce((a, b) => a + b, 0);
    const buffer = float ? new Float32Array(total) : new Uint8Array(total);
    let offset = 0;
    const jobs = images.map((img, i) => {
      const job = { input: img.bytes, out: buffer, offset, options: opts[i]! };
      offset += lengths[i]!;
      return job;
    });
    const errors = await decodeIntoMany(jobs);
    const h = createHash('sha256');
    errors.forEach((e, i) => {
      h.update(`${images[i]!.name}:${e ? `error ${e.code}` : 'ok'};`);
      if (e) failed.push(`decodeInto ${name} ${images[i]!.name}: ${e.message}`);
    });
    h.update(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    out[`decodeInto ${name}`] = hash(h);
  };

  for (const filter of FILTERS) {
    for (const [fx, fy] of SCALES) {
      const sized = (img: Jpeg) => ({ width: size(img.width, fx), height: size(img.height, fy), filter });
      await transcodeCase(`${filter} ×${fx}×${fy} rgb`, all, (img) => ({ ...sized(img), quality: 95 }));
      await transcodeCase(`${filter} ×${fx}×${fy} gray`, all, (img) => ({ ...sized(img), color: 'gray', quality: 90 }));
      await transcodeCase(`${filter} ×${fx}×${fy} keep`, gray, (img) => ({ ...sized(img), color: 'keep' }));
      // A crop off every edge, then the scale.
      await transcodeCase(`${filter} ×${fx}×${fy} crop`, colour, (img) => {
        const crop = { x: 7, y: 11, width: img.width - 20, height: img.height - 15 };
        return { crop, width: size(crop.width, fx), height: size(crop.height, fy), filter };
      });
    }
    for (const [w, h] of [[224, 224], [97, 61], [300, 500]] as const) {
      for (const channels of [3, 1] as const) {
        const base = { width: w, height: h, filter, channels };
        await decodeCase(`${filter} ${w}x${h}x${channels} uint8`, all, false, () => base);
        await decodeCase(`${filter} ${w}x${h}x${channels} uint8 mirror`, all, false, () => ({ ...base, mirror: true }));
        await decodeCase(`${filter} ${w}x${h}x${channels} float32`, all, true, () => base);
        const norm = channels === 3 ? { mean: [123.68, 116.28, 103.53], std: [58.395, 57.12, 57.375] } : { mean: [117.5], std: [61.2] };
        await decodeCase(`${filter} ${w}x${h}x${channels} float32 mirror mean/std/scale`, all, true, () => ({ ...base, ...norm, scale: 1.7, mirror: true }));
        // A fractional window (the iterator's resize-then-crop), and a whole-pixel one.
        await decodeCase(`${filter} ${w}x${h}x${channels} float32 fractional crop`, all, true, (img) => ({
          ...base,
          crop: { x: 2.5, y: 3.25, width: img.width * 0.7 + 0.5, height: img.height * 0.6 + 0.75 },
        }));
        await decodeCase(`${filter} ${w}x${h}x${channels} uint8 crop`, all, false, (img) => ({
          ...base,
          crop: { x: 1, y: 2, width: Math.max(1, img.width - 9), height: Math.max(1, img.height - 4) },
        }));
      }
    }
  }
  return { hashes: out, errors: failed };
}

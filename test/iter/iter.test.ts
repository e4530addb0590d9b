// ImageRecordIter on small packs made here: labels and ids, the last batch,
// shuffling and its seeds, parts, pixels against an OpenCV reference of
// MXNet's pipeline, normalisation, mirror, pad, gray/PNG/RGBA, damaged records.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { packImageRecord, type RecordId } from '../../src/format/image-record.js';
import { readPartition } from '../../src/format/partition.js';
import { RecordWriter } from '../../src/format/writer.js';
import { type Batch, ImageRecordIter } from '../../src/iter/image-record-iter.js';
import type { ImageRecordIterOptions } from '../../src/iter/options.js';
import { compare, makeJpeg, makePng, syntheticRgb } from '../helpers/images.js';
import { writeInsightface } from '../helpers/insightface.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-iter-');
const COUNT = 37;

/** Image i: sizes vary, a few are PNG (one with alpha) or gray JPEG; label i % 5; id 1000 + i. */
async function imageFor(i: number): Promise<Buffer> {
  const width = 64 + ((i * 7) % 40);
  const height = 56 + ((i * 11) % 36);
  if (i % 9 === 4) return makePng(width, height, i + 1);
  if (i % 9 === 7) return makeJpeg(width, height, { gray: true }, i + 1);
  return makeJpeg(width, height, { quality: 92 }, i + 1);
}

async function writePack(name: string, count: number, payloadFor: (i: number, image: Buffer) => Buffer): Promise<string> {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  for (let i = 0; i < count; i++) w.write(payloadFor(i, images[i]!), 1000 + i);
  await w.close();
  return rec;
}

const images = await Promise.all(Array.from({ length: COUNT }, (_, i) => imageFor(i)));
const rec = await writePack('plain', COUNT, (i, image) => packImageRecord({ label: i % 5, id: 1000 + i }, image));
const idx = rec.replace(/\.rec$/, '.idx');
const broken = await writePack('broken', 20, (i, image) =>
  packImageRecord({ label: i, id: 1000 + i }, i === 11 ? image.subarray(0, 200) : i === 5 ? Buffer.from('not an image at all') : image),
);


async function collect(options: Partial<ImageRecordIterOptions>, epochs = 1): Promise<Batch[][]> {
  const it = new ImageRecordIter({ pathImgrec: rec, dataShape: [3, 48, 48], batchSize: 8, ...options } as ImageRecordIterOptions);
  const out: Batch[][] = [];
  try {
    for (let e = 0; e < epochs; e++) {
      const batches: Batch[] = [];
      for await (const b of it) batches.push(b);
      out.push(batches);
      it.reset();
    }
  } finally {
    it.close();
  }
  return out;
}

/** The real samples' ids: batchSize - pad of them, whether the last batch wrapped (roundBatch) or is short. */
const ids = (batches: Batch[], batchSize = 8) => batches.flatMap((b) => b.index.slice(0, batchSize - b.pad));
const allIds = Array.from({ length: COUNT }, (_, i) => 1000 + i);

describe('batches: labels, ids and the last batch', () => {
  test('labels and ids of every batch match the records, in file order', async () => {
    const [batches] = await collect({ roundBatch: false });
    assert.equal(batches!.length, 5);
    assert.deepEqual(ids(batches!), allIds);
    for (const b of batches!) {
      assert.deepEqual([...b.label], b.index.map((id) => (Number(id) - 1000) % 5));
      assert.equal(b.data.length, b.shape[0] * 3 * 48 * 48);
    }
  });

  test('roundBatch false: a short final batch, with pad saying how many are missing', async () => {
    const [batches] = await collect({ roundBatch: false });
    const last = batches!.at(-1)!;
    assert.deepEqual(last.shape, [5, 3, 48, 48]);
    assert.equal(last.pad, 3);
    assert.equal(last.label.length, 5);
  });

  test('roundBatch true: the last batch wraps to the epoch start, pad counts the wrapped samples', async () => {
    const [batches] = await collect({ roundBatch: true });
    const last = batches!.at(-1)!;
    assert.deepEqual(last.shape, [8, 3, 48, 48]);
    assert.equal(last.pad, 3);
    assert.deepEqual(last.index.slice(5), [1000, 1001, 1002]);
    // The wrapped samples are the first batch's, pixel for pixel.
    const first = batches![0]!;
    assert.deepEqual(last.data.subarray(5 * 3 * 48 * 48), first.data.subarray(0, 3 * 3 * 48 * 48));
    assert.deepEqual([...last.label.subarray(5)], [0, 1, 2]);
  });

  test("insightface's layout: record 0 and the identity records are no samples; each image is read once, labelled by identity", async () => {
    const face = await writeInsightface(tempDir(), 'face', [3, 1, 4]);
    for (const indexed of [false, true]) {
      const it = new ImageRecordIter({ pathImgrec: face, ...(indexed ? { pathImgidx: face.replace(/\.rec$/, '.idx') } : {}), dataShape: [3, 40, 40], batchSize: 4, roundBatch: false });
      const batches: Batch[] = [];
      for await (const b of it) batches.push(b);
      it.close();
      const samples = batches.flatMap((b) => b.index.slice(0, 4 - b.pad).map((id, i) => [Number(id), b.label[i]]));
      assert.deepEqual(samples.sort((a, b) => a[0]! - b[0]!), [[1, 0], [2, 0], [3, 0], [4, 1], [5, 2], [6, 2], [7, 2], [8, 2]], indexed ? 'through the .idx' : 'in file order');
    }
  });

  test('a dataset smaller than the batch cycles through itself (MXNet refuses it)', async () => {
    const small = await writePack('small', 3, (i, image) => packImageRecord({ label: i, id: 1000 + i }, image));
    const it = new ImageRecordIter({ pathImgrec: small, dataShape: [3, 32, 32], batchSize: 8 });
    const batches: Batch[] = [];
    for await (const b of it) batches.push(b);
    it.close();
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.pad, 5);
    assert.deepEqual(batches[0]!.index, [1000, 1001, 1002, 1000, 1001, 1002, 1000, 1001]);
  });

  test('labelWidth > 1 reads packed labels; a list file overrides them by record id', async () => {
    const multi = await writePack('multi', COUNT, (i, image) => packImageRecord({ label: [i, i * 2, -i], id: 1000 + i }, image));
    const it = new ImageRecordIter({ pathImgrec: multi, dataShape: [3, 32, 32], batchSize: 8, labelWidth: 3, roundBatch: false });
    const first = (await it.next()).value as Batch;
    assert.deepEqual(first.labelShape, [8, 3]);
    assert.deepEqual([...first.label.subarray(0, 6)], [0, 0, -0, 1, 2, -1]);
    it.close();

    const list = path.join(dir, 'labels.lst');
    fs.writeFileSync(list, allIds.map((id) => `${id}\t${id % 7}\t${id % 3}\tsome/path ${id}.jpg\n`).join(''));
    const listed = new ImageRecordIter({ pathImgrec: multi, pathImglist: list, dataShape: [3, 32, 32], batchSize: 8, labelWidth: 2 });
    const b = (await listed.next()).value as Batch;
    assert.deepEqual([...b.label.subarray(0, 4)], [1000 % 7, 1000 % 3, 1001 % 7, 1001 % 3]);
    listed.close();

    fs.writeFileSync(list, '1000\t1\t2\n');
    const missing = new ImageRecordIter({ pathImgrec: multi, pathImglist: list, dataShape: [3, 32, 32], batchSize: 8, labelWidth: 2 });
    await assert.rejects(missing.next(), /labels\.lst has no line for record id 1001/);
    missing.close();
  });

  test('a label count that does not match labelWidth is an error naming the record', async () => {
    const it = new ImageRecordIter({ pathImgrec: rec, dataShape: [3, 32, 32], batchSize: 8, labelWidth: 2 });
    await assert.rejects(it.next(), (err: Error) => err.name === 'LabelError' && /plain\.rec: record at byte 0 \(id 1000\).*labelWidth \(2\)/.test(err.message));
    it.close();
  });
});

describe('shuffle, seeds and parts', () => {
  const augment = { randCrop: true, randMirror: true, shuffle: true, seed: 7 };

  test('with an .idx, shuffle is a global permutation per epoch, repeatable from the seed', async () => {
    const a = await collect({ ...augment, pathImgidx: idx, roundBatch: false }, 2);
    const b = await collect({ ...augment, pathImgidx: idx, roundBatch: false }, 2);
    const [e0, e1] = a.map((x) => ids(x));
    assert.deepEqual([...e0!].sort(), allIds);
    assert.deepEqual([...e1!].sort(), allIds);
    assert.notDeepEqual(e0, allIds);
    assert.notDeepEqual(e0, e1, 'each epoch has its own order');
    assert.deepEqual(a.map((x) => ids(x)), b.map((x) => ids(x)));
    assert.deepEqual(a[1]!.map((x) => x.data), b[1]!.map((x) => x.data), 'same seed, same pixels');
    const other = await collect({ ...augment, seed: 8, pathImgidx: idx, roundBatch: false });
    assert.notDeepEqual(ids(other[0]!), e0);
  });

  test('the same batches whatever preprocessThreads, prefetchBuffer and reuseBuffers are', async () => {
    const base = await collect({ ...augment, pathImgidx: idx, preprocessThreads: 1, prefetchBuffer: 1 });
    for (const variant of [{ preprocessThreads: 4, prefetchBuffer: 3 }, { preprocessThreads: 2, prefetchBuffer: 8, reuseBuffers: false }]) {
      const other = await collect({ ...augment, pathImgidx: idx, ...variant });
      assert.deepEqual(other[0]!.map((b) => b.index), base[0]!.map((b) => b.index));
      assert.deepEqual(other[0]!.map((b) => b.data), base[0]!.map((b) => b.data));
    }
  });

  test('reuseBuffers hands out the same arrays again, with the same contents as fresh ones', async () => {
    const it = new ImageRecordIter({ pathImgrec: rec, dataShape: [3, 32, 32], batchSize: 8, reuseBuffers: true, prefetchBuffer: 1 });
    const fresh = await collect({ dataShape: [3, 32, 32], prefetchBuffer: 1 });
    const seen = new Set<ArrayBufferLike>();
    let k = 0;
    for await (const b of it) {
      assert.deepEqual(b.data, fresh[0]![k++]!.data);
      seen.add(b.data.buffer);
    }
    it.close();
    assert.ok(seen.size < k, `${seen.size} buffers for ${k} batches`);
  });

  test('without an .idx, shuffle is a seeded buffer shuffle of the whole part', async () => {
    const a = await collect({ shuffle: true, seed: 3, shuffleBuffer: 10, roundBatch: false }, 2);
    const b = await collect({ shuffle: true, seed: 3, shuffleBuffer: 10, roundBatch: false }, 2);
    assert.deepEqual(a.map((x) => ids(x)), b.map((x) => ids(x)));
    assert.deepEqual([...ids(a[0]!)].sort(), allIds);
    assert.notDeepEqual(ids(a[0]!), allIds);
    assert.notDeepEqual(ids(a[0]!), ids(a[1]!));
  });

  test('parts are disjoint and complete: by record count with an .idx, as dmlc splits bytes without', async () => {
    for (const n of [1, 2, 3, 5]) {
      const indexed: RecordId[][] = [];
      const plain: RecordId[][] = [];
      for (let k = 0; k < n; k++) {
        indexed.push(ids((await collect({ pathImgidx: idx, numParts: n, partIndex: k, roundBatch: false }))[0]!));
        plain.push(ids((await collect({ numParts: n, partIndex: k, roundBatch: false }))[0]!));
        // Sequential parts hold exactly the records dmlc's InputSplit gives the part.
        const expected = [...readPartition(rec, { numParts: n, partIndex: k })].map((r) => r.payload.readUInt32LE(8) + r.payload.readUInt32LE(12) * 2 ** 32);
        assert.deepEqual(plain[k], expected);
      }
      const step = Math.ceil(COUNT / n);
      indexed.forEach((part, k) => assert.equal(part.length, Math.max(0, Math.min(step, COUNT - k * step)), `part ${k}/${n}`));
      assert.deepEqual(indexed.flat(), allIds);
      assert.deepEqual(plain.flat(), allIds);
    }
  });
});

/** Records with ids 1000+i, in the same order as `images`, as one (C, H, W) float tensor each. */
function opencvReference(recPath: string, c: number, h: number, w: number, resize: number, mean: number[], std: number[], scale: number): Float32Array {
  const r = spawnSync(
    '/usr/bin/python3',
    [path.resolve('test/reference/iter_opencv.py'), recPath, ...[c, h, w, resize, ...mean, ...std, scale].map(String)],
    { maxBuffer: 1 << 28 },
  );
  if (r.status !== 0) throw new Error(`iter_opencv.py failed (python3-opencv is installed by .ci/run): ${r.stderr}`);
  return new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length / 4);
}

describe('pixels', () => {
  const mean = [123.68, 116.28, 103.53];
  const std = [58.4, 57.1, 57.4];
  const norm = { meanR: mean[0], meanG: mean[1], meanB: mean[2], stdR: std[0], stdG: std[1], stdB: std[2], scale: 1.5 };

  // Tolerances: without resize both sides run the same libjpeg-turbo IDCT and
  // crop whole pixels, so values agree to float rounding (PNG and JPEG alike).
  // With resize the samples are the same but the resamplers differ in
  // rounding (OpenCV works in 11-bit fixed point): stated as at most 1.0 of
  // mean absolute difference in 0..255 units and PSNR above 40 dB.
  test('centre crop, no augmentation: equal to the OpenCV reference of MXNet pipeline', async () => {
    const [batches] = await collect({ ...norm, dataShape: [3, 48, 48], roundBatch: false });
    const ours = Float32Array.from(batches!.flatMap((b) => [...b.data]));
    const ref = opencvReference(rec, 3, 48, 48, -1, mean, std, 1.5);
    assert.equal(ours.length, ref.length);
    let max = 0;
    const per = 3 * 48 * 48;
    const bad: string[] = [];
    for (let i = 0; i < ours.length; i++) {
      const d = Math.abs(ours[i]! - ref[i]!);
      if (d > 1e-4 && bad.length < 10) bad.push(`image ${Math.floor(i / per)}, channel ${Math.floor((i % per) / 2304)}, y ${Math.floor((i % 2304) / 48)}, x ${i % 48}: ${d}`);
      max = Math.max(max, d);
    }
    assert.ok(max < 1e-4, `max difference ${max}\n${bad.join('\n')}`);
  });

  test('resize then centre crop: within the stated tolerance of OpenCV', async () => {
    const [batches] = await collect({ dataShape: [3, 40, 40], resize: 44, dtype: 'float32', roundBatch: false });
    const ours = Float32Array.from(batches!.flatMap((b) => [...b.data]));
    const ref = opencvReference(rec, 3, 40, 40, 44, [0, 0, 0], [1, 1, 1], 1);
    const { mad, psnr } = compare(ours, ref);
    assert.ok(mad <= 1.0 && psnr > 40, `mean abs diff ${mad.toFixed(3)}, PSNR ${psnr.toFixed(1)} dB`);
  });

  test('gray data: one channel per image, equal to OpenCV grayscale decoding', async () => {
    const [batches] = await collect({ dataShape: [1, 40, 40], dtype: 'float32', roundBatch: false });
    const ours = Float32Array.from(batches!.flatMap((b) => [...b.data]));
    const ref = opencvReference(rec, 1, 40, 40, -1, [0, 0, 0], [1, 1, 1], 1);
    assert.equal(ours.length, COUNT * 40 * 40);
    const { mad } = compare(ours, ref);
    // OpenCV converts PNG colour to gray with its own coefficients' rounding: within 1 level.
    assert.ok(mad <= 0.5, `mean abs diff ${mad}`);
  });

  test('mean, std and scale: float output is (uint8 - mean) * scale / std per channel', async () => {
    const [u8] = await collect({ dtype: 'uint8', roundBatch: false });
    const [f32] = await collect({ ...norm, roundBatch: false });
    const plane = 48 * 48;
    for (let b = 0; b < u8!.length; b++) {
      const raw = u8![b]!.data;
      const got = f32![b]!.data;
      assert.ok(raw instanceof Uint8Array && got instanceof Float32Array);
      for (let i = 0; i < raw.length; i += 97) {
        const c = Math.floor(i / plane) % 3;
        assert.ok(Math.abs(got[i]! - ((raw[i]! - mean[c]!) * 1.5) / std[c]!) < 1e-4);
      }
    }
  });

  test('mirror flips every image left-right; randMirror flips some', async () => {
    const [plain] = await collect({ dtype: 'uint8', roundBatch: false });
    const [flipped] = await collect({ dtype: 'uint8', mirror: true, roundBatch: false });
    const a = plain![0]!.data;
    const b = flipped![0]!.data;
    for (let row = 0; row < a.length / 48; row++) {
      assert.deepEqual([...b.subarray(row * 48, row * 48 + 48)], [...a.subarray(row * 48, row * 48 + 48)].reverse());
    }
    const [some] = await collect({ dtype: 'uint8', randMirror: true, seed: 1, roundBatch: false });
    const same = some!.flatMap((x, k) => Array.from({ length: x.shape[0] }, (_, i) => {
      const n = 3 * 48 * 48;
      return Buffer.compare(Buffer.from(x.data.subarray(i * n, (i + 1) * n)), Buffer.from(plain![k]!.data.subarray(i * n, (i + 1) * n))) === 0;
    }));
    const flippedCount = same.filter((s) => !s).length;
    assert.ok(flippedCount > 5 && flippedCount < COUNT - 5, `${flippedCount} of ${COUNT} mirrored`);
  });

  test('pad: a fillValue border around the image, the image itself unchanged', async () => {
    // Image 0 is 64x56: resize 40 makes it 45x40; pad 8 makes 61x56; the centred 56x56 crop
    // starts at x 2, so the image lands at x 6..50, y 8..47 and the rest is border.
    const [padded] = await collect({ dtype: 'uint8', dataShape: [3, 56, 56], pad: 8, fillValue: 7, resize: 40, roundBatch: false });
    const [bare] = await collect({ dtype: 'uint8', dataShape: [3, 40, 45], resize: 40, roundBatch: false });
    const out = padded![0]!.data;
    const img = bare![0]!.data;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 56; y++) {
        for (let x = 0; x < 56; x++) {
          const inside = y >= 8 && y < 48 && x >= 6 && x < 51;
          const want = inside ? img[c * 40 * 45 + (y - 8) * 45 + (x - 6)] : 7;
          assert.equal(out[c * 56 * 56 + y * 56 + x], want, `c${c} y${y} x${x}`);
        }
      }
    }
  });
});

describe('formats and damage', () => {
  test('RGBA data (4 channels) from a PNG with alpha; JPEGs get an opaque alpha', async () => {
    const w = 40;
    const h = 36;
    const rgba = Buffer.alloc(w * h * 4);
    const rgb = syntheticRgb(w, h, 5);
    for (let i = 0; i < w * h; i++) {
      rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
      rgba[i * 4 + 3] = i % 256;
    }
    const png = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
    const four = path.join(dir, 'rgba.rec');
    const wr = RecordWriter.create(four);
    wr.write(packImageRecord({ label: 1, id: 1 }, png));
    wr.write(packImageRecord({ label: 2, id: 2 }, images[0]!));
    await wr.close();
    const it = new ImageRecordIter({ pathImgrec: four, dataShape: [4, h, w], batchSize: 2, dtype: 'uint8' });
    const b = (await it.next()).value as Batch;
    it.close();
    const plane = w * h;
    assert.deepEqual([...b.data.subarray(3 * plane, 3 * plane + 5)], [0, 1, 2, 3, 4]);
    assert.deepEqual([...b.data.subarray(0, 3)], [rgba[0], rgba[4], rgba[8]]);
    assert.ok(b.data.subarray(4 * plane + 3 * plane, 8 * plane).every((v) => v === 255));
  });

  test('a damaged image is an error naming the file, byte offset and id', async () => {
    const it = new ImageRecordIter({ pathImgrec: broken, dataShape: [3, 32, 32], batchSize: 4 });
    await assert.rejects(
      (async () => {
        for await (const _ of it) void _;
      })(),
      (err: Error) => err.name === 'IterDataError' && /broken\.rec: record at byte \d+ \(id 1005\): image: /.test(err.message),
    );
    it.close();
  });

  test('skipCorrupt: damaged images are skipped and counted, batches stay full', async () => {
    const it = new ImageRecordIter({ pathImgrec: broken, dataShape: [3, 32, 32], batchSize: 4, skipCorrupt: true, roundBatch: false });
    const batches: Batch[] = [];
    for await (const b of it) batches.push(b);
    assert.deepEqual(ids(batches, 4), Array.from({ length: 20 }, (_, i) => 1000 + i).filter((id) => id !== 1005 && id !== 1011));
    assert.deepEqual(batches.map((b) => b.shape[0]), [4, 4, 4, 4, 2]);
    assert.equal(it.stats.skipped, 2);
    assert.deepEqual(it.skippedRecords.map((r) => r.id), [1005, 1011]);
    // Moved samples keep their labels.
    for (const b of batches) assert.deepEqual([...b.label], b.index.map((id) => Number(id) - 1000));
    it.close();
  });

  test('damaged framing: an error with the offset, or (skipCorrupt) recovery; never a hang', async () => {
    const bytes = fs.readFileSync(rec);
    const offsets = [...readPartition(rec)].map((r) => r.offset);
    bytes.writeUInt32LE(0xdeadbeef, offsets[9]!);
    const bad = path.join(dir, 'badframe.rec');
    fs.writeFileSync(bad, bytes);
    const strict = new ImageRecordIter({ pathImgrec: bad, dataShape: [3, 32, 32], batchSize: 8 });
    await assert.rejects(
      (async () => {
        for await (const _ of strict) void _;
      })(),
      new RegExp(`badframe\\.rec.*${offsets[9]}`),
    );
    strict.close();
    const lenient = new ImageRecordIter({ pathImgrec: bad, dataShape: [3, 32, 32], batchSize: 8, skipCorrupt: true, roundBatch: false });
    const got: Batch[] = [];
    for await (const b of lenient) got.push(b);
    assert.deepEqual(ids(got), allIds.filter((id) => id !== 1009));
    assert.equal(lenient.stats.skipped, 1);
    lenient.close();

    // A file cut short in its last record, read through its .idx and without.
    const cut = path.join(dir, 'cut.rec');
    fs.writeFileSync(cut, fs.readFileSync(rec).subarray(0, offsets[COUNT - 1]! + 100));
    for (const pathImgidx of [undefined, idx]) {
      const opts = { pathImgrec: cut, dataShape: [3, 32, 32], batchSize: 8, ...(pathImgidx ? { pathImgidx } : {}) };
      const failing = new ImageRecordIter(opts);
      await assert.rejects(
        (async () => {
          for await (const _ of failing) void _;
        })(),
        new RegExp(`cut\\.rec.*${offsets[COUNT - 1]}`),
      );
      failing.close();
      const skipping = new ImageRecordIter({ ...opts, skipCorrupt: true, roundBatch: false });
      const rest: Batch[] = [];
      for await (const b of skipping) rest.push(b);
      assert.deepEqual(ids(rest), allIds.slice(0, -1));
      skipping.close();
    }
  });

  test('several .rec files (an array, or a ";"-separated list) read as one, in order', async () => {
    const second = await writePack('second', 5, (i, image) => packImageRecord({ label: 0, id: 2000 + i }, image));
    for (const pathImgrec of [[rec, second], `${rec};${second}`]) {
      const it = new ImageRecordIter({ pathImgrec, dataShape: [3, 32, 32], batchSize: 7, roundBatch: false });
      const got: Batch[] = [];
      for await (const b of it) got.push(b);
      it.close();
      assert.deepEqual(ids(got, 7), [...allIds, 2000, 2001, 2002, 2003, 2004]);
    }
    const both = new ImageRecordIter({ pathImgrec: [rec, second], pathImgidx: [idx, second.replace('.rec', '.idx')], dataShape: [3, 32, 32], batchSize: 7, numParts: 2, partIndex: 1, roundBatch: false });
    const part: Batch[] = [];
    for await (const b of both) part.push(b);
    both.close();
    assert.deepEqual(ids(part, 7), [...allIds.slice(21), 2000, 2001, 2002, 2003, 2004]);
  });

  test('options: unknown names are errors with a suggestion; bad values say what was expected', () => {
    const base = { pathImgrec: rec, dataShape: [3, 32, 32], batchSize: 8 };
    const make = (extra: object) => () => new ImageRecordIter({ ...base, ...extra } as ImageRecordIterOptions);
    assert.throws(make({ randMirorr: true }), /randMirorr: unknown option \(did you mean randMirror\?\)/);
    assert.throws(make({ rand_mirror: true }), /rand_mirror: unknown option \(did you mean randMirror\?\)/);
    assert.throws(make({ maxRotateAngle: 10 }), /not implemented/);
    assert.throws(make({ dataShape: [5, 32, 32] }), /dataShape: expected 1, 3 or 4 channels first, received 5 \(the shape is channels,height,width\)/);
    assert.throws(make({ batchSize: 0 }), /batchSize: expected an integer >= 1, received 0/);
    assert.throws(make({ numParts: 2, partIndex: 2 }), /partIndex: expected an integer in 0\.\.1/);
    assert.throws(make({ randomResizedCrop: true, randCrop: true }), /cannot be combined/);
    assert.throws(make({ pathImgrec: path.join(dir, 'nope.rec') }), /nope\.rec: no such file/);
  });

  test('randomResizedCrop: full batches, repeatable, different crops from plain centre crops', async () => {
    const opts = { randomResizedCrop: true, minRandomArea: 0.3, maxRandomArea: 1, maxAspectRatio: 4 / 3, seed: 2, dtype: 'uint8' as const };
    const a = await collect(opts);
    const b = await collect(opts);
    const plain = await collect({ dtype: 'uint8' });
    assert.deepEqual(a[0]!.map((x) => x.data), b[0]!.map((x) => x.data));
    assert.notDeepEqual(a[0]![0]!.data, plain[0]![0]!.data);
    assert.equal(a[0]!.length, 5);
  });
});

describe('lifecycle', () => {
  test('overlapping next() calls get the batches in order', async () => {
    const [expected] = await collect({ roundBatch: false });
    const it = new ImageRecordIter({ pathImgrec: rec, dataShape: [3, 48, 48], batchSize: 8, roundBatch: false });
    const results = await Promise.all(Array.from({ length: 7 }, () => it.next()));
    it.close();
    assert.deepEqual(results.map((r) => (r.done ? null : r.value.index)), [...expected!.map((b) => b.index), null, null]);
  });

  test('reset or close in the middle of an epoch: the next epoch starts clean; nothing hangs', async () => {
    const it = new ImageRecordIter({ pathImgrec: rec, pathImgidx: idx, dataShape: [3, 48, 48], batchSize: 8, shuffle: true, seed: 4, prefetchBuffer: 4 });
    await it.next();
    it.reset();
    const epoch1: Batch[] = [];
    for await (const b of it) epoch1.push(b);
    const fresh = await collect({ pathImgidx: idx, shuffle: true, seed: 4 }, 2);
    assert.deepEqual(epoch1.map((b) => b.index), fresh[1]!.map((b) => b.index));
    it.reset();
    await it.next();
    it.close();
    assert.equal((await it.next()).done, true);
    assert.throws(() => it.reset(), /after close/);
  });

  test('a for await loop after the last one ended runs the next epoch (no reset() needed); one after close() is an error', async () => {
    const fresh = await collect({ pathImgidx: idx, shuffle: true, seed: 9 }, 3);
    const it = new ImageRecordIter({ pathImgrec: rec, pathImgidx: idx, dataShape: [3, 48, 48], batchSize: 8, shuffle: true, seed: 9 });
    const epochs: RecordId[][][] = [];
    for (let e = 0; e < 3; e++) {
      const seen: RecordId[][] = [];
      for await (const b of it) seen.push(b.index);
      epochs.push(seen);
    }
    assert.deepEqual(epochs, fresh.map((epoch) => epoch.map((b) => b.index)));
    assert.equal(it.stats.epoch, 2);
    // A loop that closes the iterator ends quietly; starting another is an error.
    for await (const b of it) {
      void b;
      it.close();
    }
    assert.throws(() => it[Symbol.asyncIterator](), /iterated after close\(\)/);
  });

  test('batch.data is typed by dtype: Float32Array by default, Uint8Array for uint8', async () => {
    const floats = new ImageRecordIter({ pathImgrec: rec, dataShape: [3, 16, 16], batchSize: 4 });
    const bytes = await ImageRecordIter.open({ pathImgrec: rec, dataShape: [3, 16, 16], batchSize: 4, dtype: 'uint8' });
    const f = await floats.next();
    const u = await bytes.next();
    floats.close();
    bytes.close();
    // The assignments type-check only if data is typed (the suite's type check runs them).
    const asFloats: Float32Array | undefined = f.done ? undefined : f.value.data;
    const asBytes: Uint8Array | undefined = u.done ? undefined : u.value.data;
    assert.ok(asFloats instanceof Float32Array && asBytes instanceof Uint8Array);
  });

  test('batches the caller keeps are never recycled, while collected ones are', async () => {
    // Batch memory of collected batches is reused (batch-memory.ts); force
    // collections between epochs so that reuse happens, then check that no
    // kept batch changed under the caller.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const it = new ImageRecordIter({ pathImgrec: rec, pathImgidx: idx, dataShape: [3, 48, 48], batchSize: 8, shuffle: true, seed: 9 });
    const kept: { batch: Batch; copy: Float32Array }[] = [];
    for (let epoch = 0; epoch < 6; epoch++) {
      let n = 0;
      for await (const b of it) if (n++ % 2 === 0) kept.push({ batch: b, copy: Float32Array.from(b.data as Float32Array) });
      gc();
      await new Promise((resolve) => setImmediate(resolve)); // finalizers may run a tick later
      it.reset();
    }
    it.close();
    assert.equal(kept.length, 6 * 3);
    for (const [i, { batch, copy }] of kept.entries()) assert.ok(Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength).equals(Buffer.from(copy.buffer)), `kept batch ${i} changed`);
  });
});

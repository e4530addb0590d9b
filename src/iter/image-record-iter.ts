/**
 * ImageRecordIter: training batches (NCHW) from `.rec` files, with MXNet's
 * parameters. Stages, each in its own module:
 *   loading   record-source.ts  which records, in which order (part, shuffle)
 *   parsing   here + labels.ts  header, labels, image size
 *   planning  augment.ts        crop window, filter and mirror, from the size alone
 *   decoding  codec             region decode + resample + normalise, straight
 *                               into the batch, on libuv's pool (both cores)
 * The main thread reads, parses and plans batch after batch (cheap, and in a
 * fixed order, so every random choice depends only on seed and epoch); the
 * decoding of up to `prefetchBuffer` batches runs behind it.
 */
import { decodeIntoMany, imageInfo, imageInfoSync, type DecodeJob } from '../codec/codec.js';
import { planarFromInterleaved } from '../codec/planar.js';
import { ImageError, type ImageInfo } from '../codec/types.js';
import { unpackImageRecord, type ImageRecord, type RecordId } from '../format/image-record.js';
import { ImageRecordError } from '../format/errors.js';
import { planSample, type SamplePlan } from './augment.js';
import { batchMemory } from './batch-memory.js';
import { makeLabeler, type Labeler } from './labels.js';
import { type ImageRecordIterOptions, type IterSettings, resolveOptions } from './options.js';
import { type BadRecord, openRecordSource, readInputs, readInputsSync, type RecordSource, type SourceInputs, type SourceRecord } from './record-source.js';
import { Rng, STREAM } from '../util/rng.js';
import { MxrecError } from '../util/errors.js';

/** What a batch's pixels are: normalised float32 (the default), or the raw bytes. */
export type Dtype = 'float32' | 'uint8';

/** The array a batch's pixels come in, by dtype. */
export type BatchData<D extends Dtype> = D extends 'uint8' ? Uint8Array : Float32Array;

export interface Batch<D extends Dtype = Dtype> {
  /** NCHW, RGB(A) channel order; float32 normalised, or raw uint8 with dtype 'uint8'. */
  data: BatchData<D>;
  /** [N, C, H, W]: N is batchSize, or fewer in a short final batch (roundBatch false). */
  shape: [number, number, number, number];
  /** N x labelWidth labels, row-major. */
  label: Float32Array;
  labelShape: [number] | [number, number];
  /** How many samples short of batchSize the data is: wrapped samples (roundBatch) or missing ones. */
  pad: number;
  /** The records' header ids (MXNet leaves these zero): numbers, or bigints from 2^53. */
  index: RecordId[];
}

export interface IterStats {
  epoch: number;
  batches: number;
  images: number;
  /** Damaged records stepped over (skipCorrupt), this epoch. */
  skipped: number;
  /** Main thread: reading records. */
  readMs: number;
  /** Main thread: headers, labels and crop plans. */
  prepareMs: number;
  /** Decode calls on the pool, summed (they overlap, so this can exceed wall time). */
  decodeMs: number;
  /** Time next() spent waiting for decoded batches. */
  waitMs: number;
}

/** A record that was skipped (skipCorrupt), and why. */
export interface SkippedRecord extends BadRecord {
  id?: RecordId;
}

/** A damaged record met without skipCorrupt. */
export class IterDataError extends MxrecError {
  override readonly name = 'IterDataError';
  readonly kind = 'data';
}

interface Sample {
  rec: SourceRecord;
  image: Buffer;
  id: RecordId;
  plan: SamplePlan;
}

interface Chunk {
  samples: Sample[];
  data: Float32Array | Uint8Array;
  label: Float32Array;
}

interface Decoded {
  chunk: Chunk;
  /** Sample numbers that decoded. */
  good: number[];
}

const MAX_SKIP_REPORTS = 1000;

/** How messages name a record: file, byte offset and (once read) its id. */
const recordName = (rec: SourceRecord, id?: RecordId) => `${rec.file}: record at byte ${rec.offset}${id === undefined ? '' : ` (id ${id})`}`;

/**
 * Batches of decoded, augmented images from RecordIO files (MXNet's
 * ImageRecordIter). `D` is the dtype the options ask for, so that
 * `batch.data` is typed: a Float32Array by default, a Uint8Array with
 * `dtype: 'uint8'`.
 */
export class ImageRecordIter<D extends Dtype = 'float32'> implements AsyncIterableIterator<Batch<D>> {
  readonly settings: IterSettings;
  private readonly source: RecordSource;
  private readonly labeler: Labeler;
  private readonly plane: number;
  private epochNo = 0;
  private records!: AsyncIterator<SourceRecord>;
  private augRng!: Rng;
  private sourceDone = false;
  private pending: Promise<Decoded | null>[] = [];
  private assembling: Promise<unknown> = Promise.resolve();
  /** A partly filled output batch (after skipped samples) and how many it holds. */
  private carry: { chunk: Chunk; count: number } | null = null;
  /** The epoch's first samples, decoded again to fill the last batch (roundBatch). */
  private head: Sample[] = [];
  private finished = false;
  /** reuseBuffers: chunks free for reuse, and the one the caller holds until its next next(). */
  private spare: Chunk[] = [];
  private lent: Chunk | null = null;
  private closed = false;
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private counters: IterStats = { epoch: 0, batches: 0, images: 0, skipped: 0, readMs: 0, prepareMs: 0, decodeMs: 0, waitMs: 0 };
  /** Records skipped this epoch (the first 1000), with reasons. */
  skippedRecords: SkippedRecord[] = [];

  /**
   * For local files. `await ImageRecordIter.open(options)` does the same for
   * local files and http(s):// URLs alike (opening a URL takes a request).
   */
  constructor(options: ImageRecordIterOptions & { dtype?: D }, /** @internal */ inputs?: SourceInputs) {
    this.settings = resolveOptions(options);
    const s = this.settings;
    this.plane = s.channels * s.height * s.width;
    inputs ??= readInputsSync(s);
    this.labeler = makeLabeler(s.labelWidth, inputs.list);
    this.source = openRecordSource(s, inputs, (bad) => this.skip(bad));
    this.startEpoch();
  }

  /** An iterator over paths or http(s):// URLs (`.rec`, `.idx` and list file). */
  static async open<D extends Dtype = 'float32'>(options: ImageRecordIterOptions & { dtype?: D }): Promise<ImageRecordIter<D>> {
    return new ImageRecordIter<D>(options, await readInputs(resolveOptions(options)));
  }

  /** MXNet's provide_data / provide_label. */
  get provideData(): Array<{ name: string; shape: number[] }> {
    const s = this.settings;
    return [{ name: s.dataName, shape: [s.batchSize, s.channels, s.height, s.width] }];
  }

  get provideLabel(): Array<{ name: string; shape: number[] }> {
    const s = this.settings;
    return [{ name: s.labelName, shape: s.labelWidth === 1 ? [s.batchSize] : [s.batchSize, s.labelWidth] }];
  }

  /** Records in this part when an `.idx` gives them up front, else null. */
  get size(): number | null {
    return this.source.size;
  }

  get stats(): Readonly<IterStats> {
    return { ...this.counters };
  }

  /**
   * A `for await` loop. One that starts after the last ended runs the next
   * epoch, as reset() would (so a loop per epoch needs no reset(), as with a
   * PyTorch DataLoader); one that starts after close() is an error.
   */
  [Symbol.asyncIterator](): this {
    if (this.closed) throw new Error('ImageRecordIter: iterated after close()');
    if (this.finished) this.reset();
    return this;
  }

  /** Starts the next epoch: a new shuffle order and new augmentation draws, from (seed, epoch). */
  reset(): void {
    if (this.closed) throw new Error('ImageRecordIter: reset() after close()');
    this.epochNo++;
    this.startEpoch();
  }

  /** Stops reading and decoding; the iterator yields nothing more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abandonEpoch();
    this.source.close();
  }

  /** Whatever is still in flight finishes into buffers nobody will read. */
  private abandonEpoch(): void {
    this.generation++;
    this.finished = true;
    this.sourceDone = true;
    this.pending = [];
  }

  async return(): Promise<IteratorResult<Batch<D>>> {
    return { done: true, value: undefined };
  }

  /** The next batch; calls that overlap are served one after another, in order. */
  next(): Promise<IteratorResult<Batch<D>>> {
    const result = this.queue.then(() => this.step());
    this.queue = result.catch(() => undefined);
    return result as Promise<IteratorResult<Batch<D>>>; // step() fills data by settings.dtype, which D is
  }

  private async step(): Promise<IteratorResult<Batch>> {
    if (this.lent) this.recycle(this.lent);
    this.lent = null;
    if (this.closed || this.finished) return { done: true, value: undefined };
    const generation = this.generation;
    for (;;) {
      this.fill();
      const next = this.pending.shift();
      const t0 = performance.now();
      let decoded: Decoded | null;
      try {
        decoded = next ? await next : null;
      } catch (err) {
        // A damaged record (without skipCorrupt) or a label mismatch ends the epoch.
        if (generation === this.generation) this.abandonEpoch();
        throw err;
      }
      this.counters.waitMs += performance.now() - t0;
      if (generation !== this.generation) return { done: true, value: undefined }; // reset or closed meanwhile
      if (decoded) {
        const batch = this.collect(decoded);
        if (batch) return this.emit(batch);
        continue;
      }
      // The source is exhausted and every chunk is in.
      this.finished = true;
      const last = await this.finish();
      if (generation !== this.generation) return { done: true, value: undefined };
      return last ? this.emit(last) : { done: true, value: undefined };
    }
  }

  private emit(batch: Batch): IteratorResult<Batch> {
    this.counters.batches++;
    this.counters.images += this.settings.batchSize - batch.pad; // the real samples, wrapped or short
    return { done: false, value: batch };
  }

  private startEpoch(): void {
    const s = this.settings;
    this.generation++;
    this.records = this.source.records(this.epochNo);
    this.augRng = new Rng(s.seed, this.epochNo, STREAM.augment);
    this.sourceDone = false;
    this.finished = false;
    this.pending = [];
    this.assembling = Promise.resolve();
    this.carry = null;
    this.head = [];
    this.skippedRecords = [];
    this.counters = { epoch: this.epochNo, batches: 0, images: 0, skipped: 0, readMs: 0, prepareMs: 0, decodeMs: 0, waitMs: 0 };
  }

  private skip(bad: SkippedRecord): void {
    this.counters.skipped++;
    if (this.skippedRecords.length < MAX_SKIP_REPORTS) this.skippedRecords.push(bad);
  }

  private damaged(rec: SourceRecord, id: RecordId | undefined, reason: string): void {
    if (!this.settings.skipCorrupt) {
      throw new IterDataError(`${recordName(rec, id)}: ${reason} (skipCorrupt: true steps over damaged records)`);
    }
    this.skip(id === undefined ? { file: rec.file, offset: rec.offset, reason } : { file: rec.file, offset: rec.offset, id, reason });
  }

  /** Keeps `prefetchBuffer` chunks assembling or decoding. */
  private fill(): void {
    while (!this.sourceDone && this.pending.length < this.settings.prefetchBuffer) {
      // Assembly reads the shared record stream, so chunks assemble one after another.
      const assembled = this.assembling.then(() => this.assemble());
      this.assembling = assembled.catch(() => undefined);
      const decoded = assembled.then((chunk) => (chunk ? this.decode(chunk) : null));
      decoded.catch(() => undefined); // awaited in order by next(); this only keeps Node from calling it unhandled
      this.pending.push(decoded);
    }
  }

  private recycle(chunk: Chunk): void {
    if (!this.settings.reuseBuffers) return;
    chunk.samples = [];
    this.spare.push(chunk);
  }

  private newChunk(): Chunk {
    const s = this.settings;
    const n = s.batchSize;
    const spare = this.spare.pop();
    if (spare) return spare;
    return {
      samples: [],
      data: s.dtype === 'uint8' ? new Uint8Array(batchMemory(n * this.plane)) : new Float32Array(batchMemory(n * this.plane * 4)),
      label: new Float32Array(n * s.labelWidth),
    };
  }

  /** Reads, parses and plans up to batchSize samples. Null when the epoch has no more records. */
  private async assemble(): Promise<Chunk | null> {
    if (this.sourceDone) return null;
    const s = this.settings;
    // This epoch's stream and draws: after a reset, a stale assembly must not touch the new ones.
    const { records, augRng, generation } = this;
    const chunk = this.newChunk();
    while (chunk.samples.length < s.batchSize) {
      if (generation !== this.generation) return null;
      let t = performance.now();
      const step = await records.next();
      const t1 = performance.now();
      this.counters.readMs += t1 - t;
      if (step.done) {
        this.sourceDone = true;
        break;
      }
      const rec = step.value;
      t = t1;
      let image: ImageRecord;
      try {
        image = unpackImageRecord(rec.payload);
      } catch (err) {
        if (!(err instanceof ImageRecordError)) throw err;
        this.damaged(rec, undefined, `not an image record: ${err.message}`);
        continue;
      }
      let info: ImageInfo | null;
      try {
        info = imageInfoSync(image.image) ?? (await imageInfo(image.image));
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        this.damaged(rec, image.id, `image: ${err.message}`);
        continue;
      }
      const slot = chunk.samples.length;
      this.labeler(image, chunk.label, slot * s.labelWidth, recordName(rec, image.id));
      if (generation !== this.generation) return null;
      const plan = planSample(info.width, info.height, s, augRng);
      chunk.samples.push({ rec, image: image.image, id: image.id, plan });
      this.counters.prepareMs += performance.now() - t;
    }
    return chunk.samples.length > 0 ? chunk : null;
  }

  private job(sample: Sample, out: Float32Array | Uint8Array, offset: number): DecodeJob {
    const s = this.settings;
    const { plan } = sample;
    const geometry = { channels: s.channels, filter: plan.filter, ...(plan.crop ? { crop: plan.crop } : {}) };
    if (plan.inset) {
      // Decoded raw into a scratch image the size of the inset; compose() adds the border, mirrors and normalises.
      const { width, height } = plan.inset;
      return { input: sample.image, out: new Uint8Array(s.channels * width * height), offset: 0, options: { ...geometry, width, height } };
    }
    const options: DecodeJob['options'] = { ...geometry, width: s.width, height: s.height, mirror: plan.mirror };
    if (out instanceof Float32Array) Object.assign(options, { mean: s.mean, std: s.std, scale: s.scale });
    return { input: sample.image, out, offset, options };
  }

  /** Decodes a chunk's samples into its buffer, split into `threads` calls that run side by side. */
  private async decode(chunk: Chunk): Promise<Decoded> {
    const s = this.settings;
    const t0 = performance.now();
    const work: Array<{ sample: number; job: DecodeJob }> = [];
    chunk.samples.forEach((sample, i) => {
      if (sample.plan.inset && sample.plan.inset.width === 0) this.compose(sample, null, chunk.data, i * this.plane);
      else work.push({ sample: i, job: this.job(sample, chunk.data, i * this.plane) });
    });
    const groups = Math.min(s.threads, work.length);
    const size = Math.ceil(work.length / Math.max(groups, 1));
    const calls: Promise<(ImageError | null)[]>[] = [];
    for (let g = 0; g < work.length; g += size) calls.push(decodeIntoMany(work.slice(g, g + size).map((w) => w.job)));
    const generation = this.generation;
    const errors = (await Promise.all(calls)).flat();
    if (generation !== this.generation) return { chunk, good: [] }; // reset or closed meanwhile
    this.counters.decodeMs += performance.now() - t0;
    const good: number[] = [];
    const failed = new Set<number>();
    work.forEach((w, k) => {
      const sample = chunk.samples[w.sample]!;
      const err = errors[k];
      if (err) {
        failed.add(w.sample);
        this.damaged(sample.rec, sample.id, `image: ${err.message}`);
      } else if (sample.plan.inset) {
        this.compose(sample, w.job.out as Uint8Array, chunk.data, w.sample * this.plane);
      }
    });
    chunk.samples.forEach((_, i) => failed.has(i) || good.push(i));
    return { chunk, good };
  }

  /** Writes a sample whose crop reaches into the pad border: fillValue around the decoded inset (CHW). */
  private compose(sample: Sample, inset: Uint8Array | null, out: Float32Array | Uint8Array, offset: number): void {
    const s = this.settings;
    const box = sample.plan.inset!;
    const C = s.channels;
    // An interleaved canvas, so the codec's own mirror-and-normalise step writes the output.
    const canvas = new Uint8Array(s.width * s.height * C).fill(s.fillValue);
    if (inset) {
      for (let c = 0; c < C; c++) {
        for (let y = 0; y < box.height; y++) {
          for (let x = 0; x < box.width; x++) {
            canvas[((box.y + y) * s.width + box.x + x) * C + c] = inset[(c * box.height + y) * box.width + x]!;
          }
        }
      }
    }
    planarFromInterleaved(canvas, s.width, s.height, C, out, offset, { mirror: sample.plan.mirror, mean: s.mean, std: s.std, scale: s.scale });
  }

  /** Turns decoded chunks into output batches; chunks with skipped samples are packed together. */
  private collect({ chunk, good }: Decoded): Batch | null {
    const s = this.settings;
    for (const i of good) {
      if (this.head.length >= s.batchSize) break;
      this.head.push(chunk.samples[i]!);
    }
    if (!this.carry && good.length === s.batchSize) return this.batchOf(chunk, s.batchSize, 0);
    let out: Batch | null = null;
    for (const i of good) {
      if (!this.carry) this.carry = { chunk: this.newChunk(), count: 0 };
      this.moveSample(chunk, i, this.carry);
      if (this.carry.count === s.batchSize) {
        // At most one batch completes per chunk: a chunk holds at most batchSize samples.
        out = this.batchOf(this.carry.chunk, s.batchSize, 0);
        this.carry = null;
      }
    }
    this.recycle(chunk);
    return out;
  }

  private moveSample(from: Chunk, i: number, to: { chunk: Chunk; count: number }): void {
    const s = this.settings;
    const k = to.count++;
    to.chunk.data.set(from.data.subarray(i * this.plane, (i + 1) * this.plane), k * this.plane);
    to.chunk.label.set(from.label.subarray(i * s.labelWidth, (i + 1) * s.labelWidth), k * s.labelWidth);
    to.chunk.samples[k] = from.samples[i]!;
  }

  /** The epoch's last batch: the partly filled one, wrapped (roundBatch) or short. */
  private async finish(): Promise<Batch | null> {
    const s = this.settings;
    const carry = this.carry;
    this.carry = null;
    if (!carry || carry.count === 0) return null;
    const pad = s.batchSize - carry.count;
    if (!s.roundBatch) return this.batchOf(carry.chunk, carry.count, pad);
    // Wrap around to the epoch's first samples (cycling if the epoch has fewer than batchSize).
    // They decoded before, so they decode again, with the same plans.
    const wrap = this.newChunk();
    for (let k = 0; k < pad; k++) {
      const sample = this.head[k % this.head.length]!;
      this.labeler(unpackImageRecord(sample.rec.payload), wrap.label, k * s.labelWidth, recordName(sample.rec, sample.id));
      wrap.samples.push(sample);
    }
    const { good } = await this.decode(wrap);
    for (const i of good) this.moveSample(wrap, i, carry);
    this.recycle(wrap);
    return this.batchOf(carry.chunk, s.batchSize, pad);
  }

  private batchOf(chunk: Chunk, n: number, pad: number): Batch {
    const s = this.settings;
    this.lent = chunk;
    const full = n === s.batchSize;
    return {
      data: full ? chunk.data : chunk.data.subarray(0, n * this.plane),
      shape: [n, s.channels, s.height, s.width],
      label: full ? chunk.label : chunk.label.subarray(0, n * s.labelWidth),
      labelShape: s.labelWidth === 1 ? [n] : [n, s.labelWidth],
      pad,
      index: chunk.samples.slice(0, n).map((x) => x.id),
    };
  }
}

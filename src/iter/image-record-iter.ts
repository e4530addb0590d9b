/**
 * ImageRecordIter: training batches (NCHW) from `.rec` files, with MXNet's
 * parameters. The stages, each in its own module and each testable alone:
 *   loading    record-source.ts   which records, in which order (part, shuffle)
 *   planning   sample-planner.ts  header, labels (labels.ts), image size, and the
 *                                 crop window, filter and mirror (augment.ts)
 *   decoding   decode-stage.ts    region decode + resample + normalise, straight
 *                                 into the buffer's memory, on libuv's pool
 *   batching   batcher.ts         gaps filled, the last batch short or wrapped
 * with one epoch's bookkeeping in epoch.ts and the buffers the stages pass
 * along in batch-buffers.ts (their memory: batch-memory.ts).
 * Planning runs on the main thread, buffer after buffer (cheap, and in record
 * order, so every random choice depends only on seed and epoch); orderedMap
 * keeps the decoding of up to `prefetchBuffer` buffers running behind it.
 */
import type { Batch, Dtype } from './batch.js';
import { orderedMap, type OrderedMap } from '../util/ordered-map.js';
import { Rng, STREAM } from '../util/rng.js';
import { Batcher } from './batcher.js';
import { type BatchBuffer, BufferPool } from './batch-buffers.js';
import { DecodeStage, type DecodedBuffer } from './decode-stage.js';
import { Epoch, type IterStats, type SkippedRecord, withSkipHint } from './epoch.js';
import { makeLabeler, type Labeler } from './labels.js';
import { type ImageRecordIterOptions, type IterSettings, resolveOptions } from './options.js';
import { openRecordSource, readInputs, readInputsSync, type RecordSource, type SourceInputs } from './record-source.js';
import { plannedBuffers } from './sample-planner.js';
import { UsageError } from '../util/errors.js';

export { IterDataError, type IterStats, type SkippedRecord } from './epoch.js';

export type { Batch, BatchData, Dtype } from './batch.js';

/** One epoch's pipeline: planned buffers decoding ahead, and the batcher they feed. */
interface EpochRun {
  epoch: Epoch;
  decoded: OrderedMap<BatchBuffer, DecodedBuffer>;
  batcher: Batcher;
  finished: boolean;
}

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
  private readonly pool: BufferPool;
  private readonly decoder: DecodeStage;
  private epochNo = 0;
  private run!: EpochRun;
  private closed = false;
  /** next() calls that overlap are served one after another, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * For local files. `await ImageRecordIter.open(options)` does the same for
   * local files, http(s):// URLs and s3:// objects alike (opening one of those takes a request).
   */
  constructor(options: ImageRecordIterOptions & { dtype?: D });
  /** @internal With the inputs open() read asynchronously. */
  constructor(options: ImageRecordIterOptions & { dtype?: D }, inputs: SourceInputs);
  constructor(options: ImageRecordIterOptions & { dtype?: D }, inputs?: SourceInputs) {
    this.settings = resolveOptions(options);
    const s = this.settings;
    inputs ??= readInputsSync(s);
    this.labeler = makeLabeler(s.labelWidth, inputs.list);
    this.source = openRecordSource(s, inputs);
    this.decoder = new DecodeStage(s);
    this.pool = new BufferPool({ batchSize: s.batchSize, plane: this.decoder.plane, labelWidth: s.labelWidth, dtype: s.dtype }, s.reuseBuffers);
    this.startEpoch();
  }

  /** An iterator over paths, http(s):// URLs or s3:// objects (`.rec`, `.idx` and list file). */
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
    return { ...this.run.epoch.stats };
  }

  /** Records skipped this epoch (the first 1000), with reasons. */
  get skippedRecords(): readonly SkippedRecord[] {
    return this.run.epoch.skippedRecords;
  }

  /**
   * A `for await` loop. One that starts after the last ended runs the next
   * epoch, as reset() would (so a loop per epoch needs no reset(), as with a
   * PyTorch DataLoader); one that starts after close() is an error.
   */
  [Symbol.asyncIterator](): this {
    if (this.closed) throw new UsageError('ImageRecordIter: iterated after close()');
    if (this.run.finished) this.reset();
    return this;
  }

  /** Starts the next epoch: a new shuffle order and new augmentation draws, from (seed, epoch). */
  reset(): void {
    if (this.closed) throw new UsageError('ImageRecordIter: reset() after close()');
    this.epochNo++;
    this.startEpoch();
  }

  /** Stops reading and decoding; the iterator yields nothing more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abandon(this.run);
    this.source.close();
  }

  async return(): Promise<IteratorResult<Batch<D>>> {
    return { done: true, value: undefined };
  }

  next(): Promise<IteratorResult<Batch<D>>> {
    const result = this.queue.then(() => this.step(this.run));
    this.queue = result.catch(() => undefined);
    return result as Promise<IteratorResult<Batch<D>>>; // the stages fill data by settings.dtype, which D is
  }

  private startEpoch(): void {
    if (this.run) this.abandon(this.run);
    const s = this.settings;
    const epoch = new Epoch(this.epochNo, s.skipCorrupt);
    const records = this.source.records(this.epochNo, (bad) => epoch.skip(bad));
    const buffers = plannedBuffers(records, s, this.labeler, this.pool, new Rng(s.seed, this.epochNo, STREAM.augment), epoch);
    this.run = {
      epoch,
      decoded: orderedMap(buffers, s.prefetchBuffer, (buffer) => this.decoder.decode(buffer, epoch)),
      batcher: new Batcher(s, this.pool, this.decoder, this.labeler, epoch),
      finished: false,
    };
  }

  /** Whatever is still in flight finishes into buffers nobody will read. */
  private abandon(run: EpochRun): void {
    run.epoch.abandoned = true;
    run.finished = true;
    void run.decoded.return().catch(() => undefined);
  }

  private async step(run: EpochRun): Promise<IteratorResult<Batch>> {
    this.pool.takeBack();
    if (run.finished) return { done: true, value: undefined };
    const { epoch } = run;
    for (;;) {
      const t0 = performance.now();
      let next: IteratorResult<DecodedBuffer>;
      try {
        next = await run.decoded.next();
      } catch (err) {
        // A damaged record (without skipCorrupt) or a label mismatch ends the epoch.
        if (!epoch.abandoned) this.abandon(run);
        throw withSkipHint(err, this.settings.skipCorrupt);
      }
      epoch.stats.waitMs += performance.now() - t0;
      if (epoch.abandoned) return { done: true, value: undefined }; // reset or closed meanwhile
      if (!next.done) {
        const batch = run.batcher.add(next.value);
        if (batch) return this.emit(epoch, batch);
        continue;
      }
      // The source is exhausted and every buffer is in.
      run.finished = true;
      const last = await run.batcher.finish();
      if (epoch.abandoned) return { done: true, value: undefined };
      return last ? this.emit(epoch, last) : { done: true, value: undefined };
    }
  }

  private emit(epoch: Epoch, batch: Batch): IteratorResult<Batch> {
    epoch.stats.batches++;
    epoch.stats.images += this.settings.batchSize - batch.pad; // the real samples, wrapped or short
    return { done: false, value: batch };
  }
}

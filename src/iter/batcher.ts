/**
 * The batching stage: decoded buffers in, batches out, for one epoch. A buffer
 * whose samples all decoded is a batch as it stands; samples of buffers with
 * gaps (damaged records skipped) are moved into a carry batch until it is
 * full. At the epoch's end the partly filled carry is the last batch: short,
 * with `pad` saying by how much (roundBatch false), or topped up with the
 * epoch's first samples, decoded again with the same plans (roundBatch, as
 * MXNet wraps around).
 */
import { unpackImageRecord } from '../format/image-record.js';
import type { BatchBuffer, BufferPool, Sample } from './batch-buffers.js';
import type { DecodeStage, DecodedBuffer } from './decode-stage.js';
import { type Epoch, recordName } from './epoch.js';
import type { Batch } from './batch.js';
import type { Labeler } from './labels.js';
import type { IterSettings } from './options.js';

export class Batcher {
  /** A partly filled output batch (after skipped samples) and how many it holds. */
  private carry: { buffer: BatchBuffer; count: number } | null = null;
  /** The epoch's first samples, decoded again to fill the last batch (roundBatch). */
  private readonly head: Sample[] = [];
  private readonly plane: number;

  constructor(
    private readonly s: IterSettings,
    private readonly pool: BufferPool,
    private readonly decoder: DecodeStage,
    private readonly labeler: Labeler,
    private readonly epoch: Epoch,
  ) {
    this.plane = decoder.plane;
  }

  /** The batch this buffer completes, if any (at most one: a buffer holds at most batchSize samples). */
  add({ buffer, good }: DecodedBuffer): Batch | null {
    const s = this.s;
    for (const i of good) {
      if (this.head.length >= s.batchSize) break;
      this.head.push(buffer.samples[i]!);
    }
    if (!this.carry && good.length === s.batchSize) return this.batchOf(buffer, s.batchSize, 0);
    let out: Batch | null = null;
    for (const i of good) {
      if (!this.carry) this.carry = { buffer: this.pool.take(), count: 0 };
      this.moveSample(buffer, i, this.carry);
      if (this.carry.count === s.batchSize) {
        out = this.batchOf(this.carry.buffer, s.batchSize, 0);
        this.carry = null;
      }
    }
    this.pool.recycle(buffer);
    return out;
  }

  /** The epoch's last batch: the partly filled one, wrapped (roundBatch) or short; null if none is left. */
  async finish(): Promise<Batch | null> {
    const s = this.s;
    const carry = this.carry;
    this.carry = null;
    if (!carry || carry.count === 0) return null;
    const pad = s.batchSize - carry.count;
    if (!s.roundBatch) return this.batchOf(carry.buffer, carry.count, pad);
    // Wrap around to the epoch's first samples (cycling if the epoch has fewer than batchSize).
    const wrap = this.pool.take();
    for (let k = 0; k < pad; k++) {
      const sample = this.head[k % this.head.length]!;
      this.labeler(unpackImageRecord(sample.rec.payload), wrap.label, k * s.labelWidth, recordName(sample.rec, sample.id));
      wrap.samples.push(sample);
    }
    const { good } = await this.decoder.decode(wrap, this.epoch);
    for (const i of good) this.moveSample(wrap, i, carry);
    this.pool.recycle(wrap);
    return this.batchOf(carry.buffer, s.batchSize, pad);
  }

  private moveSample(from: BatchBuffer, i: number, to: { buffer: BatchBuffer; count: number }): void {
    const width = this.s.labelWidth;
    const k = to.count++;
    to.buffer.data.set(from.data.subarray(i * this.plane, (i + 1) * this.plane), k * this.plane);
    to.buffer.label.set(from.label.subarray(i * width, (i + 1) * width), k * width);
    to.buffer.samples[k] = from.samples[i]!;
  }

  private batchOf(buffer: BatchBuffer, n: number, pad: number): Batch {
    const s = this.s;
    this.pool.lend(buffer);
    const full = n === s.batchSize;
    return {
      data: full ? buffer.data : buffer.data.subarray(0, n * this.plane),
      shape: [n, s.channels, s.height, s.width],
      label: full ? buffer.label : buffer.label.subarray(0, n * s.labelWidth),
      labelShape: s.labelWidth === 1 ? [n] : [n, s.labelWidth],
      pad,
      index: buffer.samples.slice(0, n).map((x) => x.id),
    };
  }
}

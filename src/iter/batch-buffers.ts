/**
 * Batch buffers: the unit the iterator's stages hand each other. A buffer is up to
 * batchSize planned samples with the memory their pixels and labels are
 * decoded into, so that a full buffer becomes a batch without a copy.
 *
 * Buffer lifetimes (see ARCHITECTURE.md, "Batch memory"): a batch's arrays
 * are the caller's to keep, unless `reuseBuffers`, where the buffer a batch
 * was lent from goes back to the pool at the caller's next next() and is
 * filled again.
 */
import type { RecordId } from '../format/image-record.js';
import type { SamplePlan } from './augment.js';
import { batchMemory } from './batch-memory.js';
import type { SourceRecord } from './record-source.js';

export interface Sample {
  rec: SourceRecord;
  image: Buffer;
  id: RecordId;
  plan: SamplePlan;
}

export interface BatchBuffer {
  samples: Sample[];
  data: Float32Array | Uint8Array;
  label: Float32Array;
}

/** BatchBuffer memory: new, or (reuseBuffers) recycled from batches the caller has let go. */
export class BufferPool {
  private readonly spare: BatchBuffer[] = [];
  /** The buffer whose batch the caller holds until its next next() (reuseBuffers). */
  private lent: BatchBuffer | null = null;

  constructor(
    private readonly shape: { batchSize: number; plane: number; labelWidth: number; dtype: 'float32' | 'uint8' },
    private readonly reuse: boolean,
  ) {}

  take(): BatchBuffer {
    const spare = this.spare.pop();
    if (spare) return spare;
    const { batchSize: n, plane, labelWidth, dtype } = this.shape;
    return {
      samples: [],
      data: dtype === 'uint8' ? new Uint8Array(batchMemory(n * plane)) : new Float32Array(batchMemory(n * plane * 4)),
      label: new Float32Array(n * labelWidth),
    };
  }

  /** A buffer nobody reads any more. */
  recycle(buffer: BatchBuffer): void {
    if (!this.reuse) return;
    buffer.samples = [];
    this.spare.push(buffer);
  }

  /** The buffer behind the batch just handed out; the one lent before comes back. */
  lend(buffer: BatchBuffer): void {
    this.takeBack();
    this.lent = buffer;
  }

  /** The caller asked for the next batch: the one it held is free again. */
  takeBack(): void {
    if (this.lent) this.recycle(this.lent);
    this.lent = null;
  }
}

/**
 * Chunks: the unit the iterator's stages hand each other. A chunk is up to
 * batchSize planned samples with the memory their pixels and labels are
 * decoded into, so that a full chunk becomes a batch without a copy.
 *
 * Buffer lifetimes (see ARCHITECTURE.md, "Batch memory"): a batch's arrays
 * are the caller's to keep, unless `reuseBuffers`, where the chunk a batch
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

export interface Chunk {
  samples: Sample[];
  data: Float32Array | Uint8Array;
  label: Float32Array;
}

/** Chunk memory: new, or (reuseBuffers) recycled from batches the caller has let go. */
export class ChunkPool {
  private readonly spare: Chunk[] = [];
  /** The chunk whose batch the caller holds until its next next() (reuseBuffers). */
  private lent: Chunk | null = null;

  constructor(
    private readonly shape: { batchSize: number; plane: number; labelWidth: number; dtype: 'float32' | 'uint8' },
    private readonly reuse: boolean,
  ) {}

  take(): Chunk {
    const spare = this.spare.pop();
    if (spare) return spare;
    const { batchSize: n, plane, labelWidth, dtype } = this.shape;
    return {
      samples: [],
      data: dtype === 'uint8' ? new Uint8Array(batchMemory(n * plane)) : new Float32Array(batchMemory(n * plane * 4)),
      label: new Float32Array(n * labelWidth),
    };
  }

  /** A chunk nobody reads any more. */
  recycle(chunk: Chunk): void {
    if (!this.reuse) return;
    chunk.samples = [];
    this.spare.push(chunk);
  }

  /** The chunk behind the batch just handed out; the one lent before comes back. */
  lend(chunk: Chunk): void {
    this.takeBack();
    this.lent = chunk;
  }

  /** The caller asked for the next batch: the one it held is free again. */
  takeBack(): void {
    if (this.lent) this.recycle(this.lent);
    this.lent = null;
  }
}

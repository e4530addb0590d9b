/**
 * One epoch's bookkeeping, in one place: its number, its counters, the
 * records it skipped, and what a damaged record means (an error, or a skip
 * with skipCorrupt). Each epoch's stages report into their own Epoch, so an
 * epoch abandoned by reset() or close() can finish in the background without
 * touching the next one's figures.
 */
import type { RecordId } from '../format/image-record.js';
import { RecordIOError } from '../format/errors.js';
import { MAX_SKIP_REPORTS } from '../io/limits.js';
import { MxrecError } from '../util/errors.js';
import type { BadRecord, SourceRecord } from './record-source.js';

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

/** What a damaged record's error ends with: how to step over it (the CLI says it as --skip-corrupt). */
export const SKIP_HINT = '(skipCorrupt: true steps over damaged records)';

/**
 * Damaged framing that ended an epoch (a RecordIOError from the reader, whose
 * words are about the file) with SKIP_HINT, as a damaged image's error has it;
 * with skipCorrupt such damage is stepped over, so it is never said then.
 */
export function withSkipHint(err: unknown, skipCorrupt: boolean): unknown {
  if (skipCorrupt || !(err instanceof RecordIOError) || err.kind !== 'data') return err;
  return new RecordIOError(err.code, err.file, err.offset, `${err.detail} ${SKIP_HINT}`);
}

/** A damaged record met without skipCorrupt. */
export class IterDataError extends MxrecError {
  override readonly name = 'IterDataError';
  readonly kind = 'data';
}

/** How messages name a record: file, byte offset and (once read) its id. */
export const recordName = (rec: SourceRecord, id?: RecordId): string =>
  `${rec.file}: record at byte ${rec.offset}${id === undefined ? '' : ` (id ${id})`}`;

export class Epoch {
  readonly stats: IterStats;
  /** Records skipped (the first 1000), with reasons. */
  readonly skippedRecords: SkippedRecord[] = [];
  /** Set by reset() and close(): what is still in flight finishes unseen. */
  abandoned = false;

  constructor(
    readonly number: number,
    private readonly skipCorrupt: boolean,
  ) {
    this.stats = { epoch: number, batches: 0, images: 0, skipped: 0, readMs: 0, prepareMs: 0, decodeMs: 0, waitMs: 0 };
  }

  /** Counts a record stepped over (the source's recovery, or damaged() below). */
  skip(bad: SkippedRecord): void {
    this.stats.skipped++;
    if (this.skippedRecords.length < MAX_SKIP_REPORTS) this.skippedRecords.push(bad);
  }

  /** A record that cannot be used: an IterDataError, or a skip with skipCorrupt. */
  damaged(rec: SourceRecord, id: RecordId | undefined, reason: string): void {
    if (!this.skipCorrupt) {
      throw new IterDataError(`${recordName(rec, id)}: ${reason} ${SKIP_HINT}`);
    }
    this.skip(id === undefined ? { file: rec.file, offset: rec.offset, reason } : { file: rec.file, offset: rec.offset, id, reason });
  }
}

/**
 * Reading records: sequentially (sync or async iteration, large buffered
 * reads) and at a given offset, from a file or a Buffer.
 */
import { type ByteSource, openSource, readFully, readFullySync } from '../io/byte-source.js';
import { type CursorOptions, type RecordIORecord, type SkipEvent, ReadRequest, RecordCursor } from './cursor.js';
import { RecordIOError } from './errors.js';

export type { RecordIORecord, SkipEvent } from './cursor.js';

export interface ScanOptions {
  /** Offset of the first record to read. Default 0. */
  from?: number;
  /** Stop before the record that starts at or after this offset. Default: end of file. */
  to?: number;
  /** Step over damaged records (reported through onSkip and `skipped`) instead of throwing. */
  recover?: boolean;
  onSkip?: (event: SkipEvent) => void;
  /** Bytes per read. Default 8 MiB. */
  bufferSize?: number;
}

/** One stretch of one file to read, as a scan sees it. */
export interface ScanSegment {
  /** Opens (or returns) the source to read. */
  open(): ByteSource;
  /** Whether the scan closes the source when done with it. */
  owned: boolean;
  from: number;
  to?: number;
  /** `from` may be mid-record: scan forward to the next record start first. */
  seek: boolean;
}

/**
 * A sequence of records, readable with `for...of` or `for await...of`. Each
 * iteration starts over. In recovery mode `skipped` counts what the last
 * iteration stepped over.
 */
export class RecordScan implements Iterable<RecordIORecord>, AsyncIterable<RecordIORecord> {
  readonly skipped = { records: 0, bytes: 0 };

  constructor(
    private readonly segments: readonly ScanSegment[],
    private readonly options: Pick<ScanOptions, 'recover' | 'onSkip' | 'bufferSize'> = {},
  ) {}

  private cursorFor(segment: ScanSegment, source: ByteSource): RecordCursor {
    const options: CursorOptions = {
      from: segment.from,
      seek: segment.seek,
      recover: this.options.recover,
      onSkip: this.options.onSkip,
      bufferSize: this.options.bufferSize,
    };
    if (segment.to !== undefined) options.to = segment.to;
    return new RecordCursor(source.name, source.size, options);
  }

  private tally(cursor: RecordCursor): void {
    this.skipped.records += cursor.skipped.records;
    this.skipped.bytes += cursor.skipped.bytes;
  }

  *[Symbol.iterator](): Iterator<RecordIORecord> {
    this.skipped.records = this.skipped.bytes = 0;
    for (const segment of this.segments) {
      const source = segment.open();
      const cursor = this.cursorFor(segment, source);
      try {
        for (let step = cursor.next(); step !== null; step = cursor.next()) {
          if (step instanceof ReadRequest) {
            cursor.supply(step, readFullySync(source, step.buffer, step.offset, step.length, step.position));
          } else {
            yield step;
          }
        }
      } finally {
        this.tally(cursor);
        if (segment.owned) source.close();
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordIORecord> {
    this.skipped.records = this.skipped.bytes = 0;
    for (const segment of this.segments) {
      const source = segment.open();
      const cursor = this.cursorFor(segment, source);
      try {
        for (let step = cursor.next(); step !== null; step = cursor.next()) {
          if (step instanceof ReadRequest) {
            cursor.supply(step, await readFully(source, step.buffer, step.offset, step.length, step.position));
          } else {
            yield step;
          }
        }
      } finally {
        this.tally(cursor);
        if (segment.owned) source.close();
      }
    }
  }
}

/** Bytes fetched for a random-access read before the record's size is known. */
const RANDOM_READ_SIZE = 64 << 10;

export class RecordReader implements Iterable<RecordIORecord>, AsyncIterable<RecordIORecord> {
  constructor(readonly source: ByteSource) {}

  /** Opens a `.rec` file by path, or reads a `.rec` image already in memory. */
  static open(input: string | Uint8Array): RecordReader {
    return new RecordReader(openSource(input));
  }

  get name(): string {
    return this.source.name;
  }

  get size(): number {
    return this.source.size;
  }

  /** Records in file order; see ScanOptions for ranges and recovery. */
  scan(options: ScanOptions = {}): RecordScan {
    const segment: ScanSegment = { open: () => this.source, owned: false, from: options.from ?? 0, seek: false };
    if (options.to !== undefined) segment.to = options.to;
    return new RecordScan([segment], options);
  }

  [Symbol.iterator](): Iterator<RecordIORecord> {
    return this.scan()[Symbol.iterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordIORecord> {
    return this.scan()[Symbol.asyncIterator]();
  }

  private cursorAt(offset: number): RecordCursor {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.size) {
      throw new RecordIOError('NOT_A_RECORD_START', this.name, offset, `offset is outside the file (size ${this.size})`);
    }
    return new RecordCursor(this.name, this.size, { from: offset, bufferSize: RANDOM_READ_SIZE });
  }

  /** The record whose first chunk is at `offset` (an `.idx` offset). */
  readSync(offset: number): RecordIORecord {
    const cursor = this.cursorAt(offset);
    try {
      for (let step = cursor.next(); step !== null; step = cursor.next()) {
        if (!(step instanceof ReadRequest)) return step;
        cursor.supply(step, readFullySync(this.source, step.buffer, step.offset, step.length, step.position));
      }
    } catch (err) {
      throw asNotARecordStart(err, offset);
    }
    throw new RecordIOError('NOT_A_RECORD_START', this.name, offset, 'no record starts here');
  }

  async read(offset: number): Promise<RecordIORecord> {
    const cursor = this.cursorAt(offset);
    try {
      for (let step = cursor.next(); step !== null; step = cursor.next()) {
        if (!(step instanceof ReadRequest)) return step;
        cursor.supply(step, await readFully(this.source, step.buffer, step.offset, step.length, step.position));
      }
    } catch (err) {
      throw asNotARecordStart(err, offset);
    }
    throw new RecordIOError('NOT_A_RECORD_START', this.name, offset, 'no record starts here');
  }

  close(): void {
    this.source.close();
  }
}

/** At a caller's offset, "bad magic" or "a middle part" means the offset is wrong, not the file. */
function asNotARecordStart(err: unknown, offset: number): unknown {
  if (err instanceof RecordIOError && err.offset === offset && (err.code === 'BAD_MAGIC' || err.code === 'BAD_SEQUENCE')) {
    return new RecordIOError('NOT_A_RECORD_START', err.file, offset, `no record starts here (${err.detail})`);
  }
  return err;
}

/**
 * Reading records: sequentially (sync or async iteration over large blocks
 * read ahead on other threads, see windows.ts) and at a given offset, from a
 * file, a Buffer or a URL.
 */
import { type ByteSource, readFully, readFullySync } from '../io/byte-source.js';
import { PoolReads, ThreadReads } from '../io/block-reads.js';
import type { RemoteOptions } from '../io/store.js';
import { openLocation, openSource } from '../io/locations.js';
import { type CursorOptions, type RecordIORecord, type SkipEvent, NeedBytes, RecordCursor } from './cursor.js';
import { RecordIOError } from './errors.js';
import { CFlag, CHUNK_HEADER_SIZE, MAGIC, align4, decodeCFlag, decodeLength } from './recordio.js';
import { DirectWindows, ReadAheadWindows } from './windows.js';
import { DEFAULT_READ_AHEAD, REMOTE_BUFFER_SIZE, REMOTE_LONG_READ, REMOTE_READ_AHEAD } from '../io/limits.js';
import { EventLoopTurns } from '../util/turns.js';

type Windows = DirectWindows | ReadAheadWindows;

export type { RecordIORecord, SkipEvent } from './cursor.js';

/** How records are read, whatever the range. */
export interface ReadOptions {
  /** Step over damaged records (reported through onSkip and `skipped`) instead of throwing. */
  recover?: boolean;
  onSkip?: (event: SkipEvent) => void;
  /** Bytes per read. Default 2 MiB for files; 4 MiB for URLs, where each read is a request. */
  bufferSize?: number;
  /**
   * Reuse read memory: each payload is valid only until the iteration moves
   * on (copy what you keep), as with dmlc's record buffer. Faster: no fresh
   * memory per read. Default false: payloads stay valid while referenced.
   */
  reuseBuffers?: boolean;
  /**
   * Block reads kept in flight ahead of the reader: on the addon's reader
   * threads for local files, else (async iteration only) as concurrent reads
   * on libuv's pool, or range requests for a URL. 0: read on demand, on the
   * calling thread for sync iteration. Default 4; 16 for a URL, to cover a
   * store's latency (see io/limits.ts, REMOTE_READ_AHEAD).
   */
  readAhead?: number;
  /** The largest record (all its parts) read; a larger one is a RECORD_TOO_LARGE error. Default 512 MiB. */
  maxRecordBytes?: number;
  /**
   * With `recover`: a record whose chunk holds the magic at an aligned offset
   * where a record could start (dmlc's writer never leaves one there) is a
   * length that lied and swallowed the records after it: it is stepped over
   * as damage (OVERLONG_LENGTH) and reading resumes at that magic, giving
   * the swallowed records back. Costs a word search through each payload.
   * Records in several chunks are not checked. Default false.
   */
  checkSwallowed?: boolean;
}

export interface ScanOptions extends ReadOptions {
  /** Offset of the first record to read. Default 0. */
  from?: number;
  /** Stop before the record that starts at or after this offset. Default: end of file. */
  to?: number;
}

/** RecordScan.forEach looks at the clock after every record of at least this size too (256 of 4 MiB take seconds). */
const LARGE_RECORD = 1 << 16;

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
  /** Whether the source can be read synchronously (see ByteSource.syncReads). */
  syncReads: boolean;
}

interface OpenSegment {
  source: ByteSource;
  cursor: RecordCursor;
  owned: boolean;
}

/**
 * A sequence of records, readable with `for...of` or `for await...of`. Each
 * iteration starts over. In recovery mode `skipped` counts what the last
 * iteration stepped over.
 */
export class RecordScan implements Iterable<RecordIORecord>, AsyncIterable<RecordIORecord> {
  readonly skipped = { records: 0, bytes: 0 };

  /** @internal Made by RecordReader.scan, readPartition and openPartition. */
  constructor(
    private readonly segments: readonly ScanSegment[],
    private readonly options: ReadOptions = {},
  ) {}

  /** @internal */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** @internal Opens segment `i` for reading. */
  open(i: number): OpenSegment {
    const segment = this.segments[i]!;
    const source = segment.open();
    const options: CursorOptions = {
      from: segment.from,
      seek: segment.seek,
      recover: this.options.recover,
      onSkip: this.options.onSkip,
      reuseBuffers: this.options.reuseBuffers,
      maxRecordBytes: this.options.maxRecordBytes,
      checkSwallowed: this.options.checkSwallowed,
    };
    if (segment.to !== undefined) options.to = segment.to;
    return { source, cursor: new RecordCursor(source.name, source.size, options), owned: segment.owned };
  }

  /** @internal Done with a segment, finished or not: counts what it skipped, closes what it opened. */
  close(open: OpenSegment): void {
    this.skipped.records += open.cursor.skipped.records;
    this.skipped.bytes += open.cursor.skipped.bytes;
    if (open.owned) open.source.close();
  }

  /**
   * @internal Windows for reading segment `i`: blocks read ahead by the
   * addon's reader threads where it is built (sync and async scans alike),
   * else by libuv's pool (async), else reads on demand.
   */
  windows(i: number, source: ByteSource, mode: 'sync' | 'async'): Windows {
    // A URL's reads are requests: many at once, to cover the store's latency (REMOTE_READ_AHEAD).
    const depth = this.options.readAhead ?? (source.syncReads ? DEFAULT_READ_AHEAD : REMOTE_READ_AHEAD);
    const options = source.syncReads || this.options.bufferSize !== undefined ? this.options : { ...this.options, bufferSize: REMOTE_BUFFER_SIZE };
    if (depth <= 0) return new DirectWindows(source, options);
    const reads = ThreadReads.forSource(source, mode) ?? (mode === 'async' ? new PoolReads(source) : null);
    if (!reads) return new DirectWindows(source, options);
    // A URL's records up to REMOTE_LONG_READ are gathered from the blocks in flight, as one block of that size held them.
    const longFrom = source.syncReads ? undefined : REMOTE_LONG_READ;
    return new ReadAheadWindows(reads, { ...options, depth, limit: this.segments[i]!.to, longFrom });
  }

  /** Whether `for...of` works: every source can be read synchronously (files and buffers, not URLs). */
  get syncReads(): boolean {
    return this.segments.every((s) => s.syncReads);
  }

  /**
   * Calls `visit` with each record in order, by the fastest way the sources
   * allow: synchronously for files and buffers (no promise per record, which
   * costs more than decoding a small record), asynchronously for URLs. When
   * `visit` returns a promise it is awaited before the next record is read,
   * so a payload stays valid for it even with reuseBuffers. A synchronous
   * scan still gives the event loop a turn now and then (util/turns.ts:
   * progress bars, timers and signal handlers would wait for the whole file
   * otherwise); the clock is looked at every 256 records, or after a large one.
   */
  async forEach(visit: (record: RecordIORecord) => void | Promise<void>): Promise<void> {
    if (this.syncReads) {
      let count = 0;
      const turns = new EventLoopTurns();
      for (const record of this) {
        const pending = visit(record);
        if (pending) await pending;
        if ((++count & 255) === 0 || record.end - record.offset >= LARGE_RECORD) {
          const turn = turns.due();
          if (turn) await turn;
        }
      }
    } else {
      for await (const record of this) {
        const pending = visit(record);
        if (pending) await pending;
      }
    }
  }

  [Symbol.iterator](): Iterator<RecordIORecord> {
    this.skipped.records = this.skipped.bytes = 0;
    return new SyncScanIterator(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordIORecord> {
    this.skipped.records = this.skipped.bytes = 0;
    return new AsyncScanIterator(this);
  }
}

/**
 * The sync iteration of a RecordScan, written out as a class: a generator
 * costs about 8% of a scan of small records.
 */
class SyncScanIterator implements Iterator<RecordIORecord> {
  private nextSegment = 0;
  private current: (OpenSegment & { windows: Windows }) | null = null;

  constructor(private readonly scan: RecordScan) {}

  next(): IteratorResult<RecordIORecord> {
    for (;;) {
      if (this.current === null) {
        if (this.nextSegment >= this.scan.segmentCount) return { value: undefined, done: true };
        const i = this.nextSegment++;
        const open = this.scan.open(i);
        this.current = { ...open, windows: this.scan.windows(i, open.source, 'sync') };
      }
      const { cursor, windows } = this.current;
      try {
        let step = cursor.next();
        while (step instanceof NeedBytes) {
          windows.fillSync(cursor, step);
          step = cursor.next();
        }
        if (step !== null) return { value: step, done: false };
      } catch (err) {
        this.return();
        throw err;
      }
      this.finishSegment();
    }
  }

  /** Called by `break` in a for...of: closes the file being read. */
  return(): IteratorResult<RecordIORecord> {
    this.finishSegment();
    this.nextSegment = this.scan.segmentCount;
    return { value: undefined, done: true };
  }

  private finishSegment(): void {
    if (this.current !== null) {
      const open = this.current;
      this.current = null;
      try {
        open.windows.closeSync(); // reader threads stop before the source closes
      } finally {
        this.scan.close(open);
      }
    }
  }
}

/**
 * The async iteration of a RecordScan, by hand for the same reason: a record
 * already in the window is returned at once (one resolved promise), and only
 * running out of window waits for I/O.
 */
class AsyncScanIterator implements AsyncIterator<RecordIORecord> {
  private nextSegment = 0;
  private current: (OpenSegment & { windows: Windows }) | null = null;

  constructor(private readonly scan: RecordScan) {}

  next(): Promise<IteratorResult<RecordIORecord>> {
    if (this.current !== null) {
      try {
        const step = this.current.cursor.next();
        if (step !== null && !(step instanceof NeedBytes)) return Promise.resolve({ value: step, done: false });
      } catch (err) {
        return this.return().then(() => Promise.reject(err));
      }
    }
    return this.nextSlowly();
  }

  /** Opens segments and waits for reads until there is a record or the scan is over. */
  private async nextSlowly(): Promise<IteratorResult<RecordIORecord>> {
    try {
      for (;;) {
        if (this.current === null) {
          if (this.nextSegment >= this.scan.segmentCount) return { value: undefined, done: true };
          const i = this.nextSegment++;
          const open = this.scan.open(i);
          this.current = { ...open, windows: this.scan.windows(i, open.source, 'async') };
        }
        const { cursor, windows } = this.current;
        // The record or need that made next() come here is still pending in the cursor: ask again.
        for (let step = cursor.next(); step !== null; step = cursor.next()) {
          if (!(step instanceof NeedBytes)) return { value: step, done: false };
          await windows.fill(cursor, step);
        }
        await this.finishSegment();
      }
    } catch (err) {
      await this.return();
      throw err;
    }
  }

  /** Called by `break` in a for await...of: waits for reads in flight, then closes the file. */
  async return(): Promise<IteratorResult<RecordIORecord>> {
    await this.finishSegment();
    this.nextSegment = this.scan.segmentCount;
    return { value: undefined, done: true };
  }

  private async finishSegment(): Promise<void> {
    if (this.current !== null) {
      const open = this.current;
      this.current = null;
      try {
        await open.windows.close(); // no read may still target the source when it is closed
      } finally {
        this.scan.close(open);
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

  /**
   * open() for a path, bytes, an http(s):// URL or an s3:// object (read with range requests,
   * see io/remote/http-source.ts). A URL's records can be read only asynchronously:
   * `for await` scans and read().
   */
  static async openAsync(input: string | Uint8Array, remote?: RemoteOptions): Promise<RecordReader> {
    return new RecordReader(typeof input === 'string' ? await openLocation(input, remote) : openSource(input));
  }

  get name(): string {
    return this.source.name;
  }

  get size(): number {
    return this.source.size;
  }

  /** Records in file order; see ScanOptions for ranges, recovery and buffer reuse. */
  scan(options: ScanOptions = {}): RecordScan {
    const segment: ScanSegment = { open: () => this.source, owned: false, from: options.from ?? 0, seek: false, syncReads: this.source.syncReads };
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
    return cursorAt(this.name, this.size, offset, false);
  }

  /** The record whose first chunk is at `offset` (an `.idx` offset). */
  readSync(offset: number): RecordIORecord {
    const cursor = this.cursorAt(offset);
    const windows = new DirectWindows(this.source, { bufferSize: RANDOM_READ_SIZE });
    try {
      for (let step = cursor.next(); step !== null; step = cursor.next()) {
        if (!(step instanceof NeedBytes)) return step;
        windows.fillSync(cursor, step);
      }
    } catch (err) {
      throw asNotARecordStart(err, offset);
    }
    throw new RecordIOError('NOT_A_RECORD_START', this.name, offset, 'no record starts here');
  }

  /**
   * readSync for a caller that knows where the next record starts (sorted
   * `.idx` offsets): one read of exactly `span` bytes, and the payload is a
   * view of it. Anything but a whole single-chunk record there goes through
   * readSync, which also names what is wrong.
   */
  readSpanSync(offset: number, span: number): RecordIORecord {
    if (this.spanFits(offset, span)) {
      const bytes = Buffer.allocUnsafe(span);
      const record = this.wholeRecordIn(bytes, readFullySync(this.source, bytes, 0, span, offset), offset);
      if (record) return record;
    }
    return this.readSync(offset);
  }

  /** readSpanSync, asynchronously (one range request for a URL). */
  async readSpan(offset: number, span: number): Promise<RecordIORecord> {
    if (this.spanFits(offset, span)) {
      const bytes = Buffer.allocUnsafe(span);
      const record = this.wholeRecordIn(bytes, await readFully(this.source, bytes, 0, span, offset), offset);
      if (record) return record;
    }
    return this.read(offset);
  }

  private spanFits(offset: number, span: number): boolean {
    return span <= RANDOM_READ_SIZE * 64 && spanInside(this.size, offset, span);
  }

  private wholeRecordIn(bytes: Buffer, got: number, offset: number): RecordIORecord | null {
    return wholeRecordIn(bytes, got, offset, this.name);
  }

  async read(offset: number): Promise<RecordIORecord> {
    const cursor = this.cursorAt(offset);
    const windows = new DirectWindows(this.source, { bufferSize: RANDOM_READ_SIZE });
    try {
      for (let step = cursor.next(); step !== null; step = cursor.next()) {
        if (!(step instanceof NeedBytes)) return step;
        await windows.fill(cursor, step);
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

/** A cursor for the record at `offset` (joining parts into memory it reuses, with `reuseBuffers`). */
function cursorAt(file: string, size: number, offset: number, reuseBuffers: boolean): RecordCursor {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= size) {
    throw new RecordIOError('NOT_A_RECORD_START', file, offset, `offset is outside the file (size ${size})`);
  }
  return new RecordCursor(file, size, { from: offset, reuseBuffers });
}

/** A span worth one read: longer than a chunk header, inside a file of `size` bytes. */
function spanInside(size: number, offset: number, span: number): boolean {
  return span > CHUNK_HEADER_SIZE && Number.isSafeInteger(offset) && Number.isSafeInteger(span) && offset + span <= size;
}

/** The single-chunk record at the start of `bytes` (`got` bytes read from `offset`), or null if that is not what is there. */
function wholeRecordIn(bytes: Buffer, got: number, offset: number, file: string): RecordIORecord | null {
  if (got !== bytes.length || bytes.readUInt32LE(0) !== MAGIC) return null;
  const lrecord = bytes.readUInt32LE(4);
  const length = decodeLength(lrecord);
  if (decodeCFlag(lrecord) !== CFlag.Whole || CHUNK_HEADER_SIZE + length > bytes.length) return null;
  const payload = bytes.subarray(CHUNK_HEADER_SIZE, CHUNK_HEADER_SIZE + length);
  return { offset, end: offset + CHUNK_HEADER_SIZE + align4(length), payload, parts: 1, file };
}

/**
 * @internal Records read by offset and span (where a scan found them) into
 * memory kept for the next read, as a scan's reuseBuffers does: a payload
 * is valid until the next read. For reading every record of a file in
 * another order (rec shuffle): a fresh buffer per record left a run of huge
 * records waiting to be collected (three of 512 MiB held at once). A record
 * in several chunks goes through RecordReader.readSync / read.
 */
export class ReusedReads {
  private memory: Buffer = Buffer.alloc(0);
  private joined: Buffer = Buffer.alloc(0);
  /** For reads by offset alone: windows whose memory is kept from one read to the next. */
  private readonly windows: DirectWindows;

  constructor(private readonly reader: RecordReader) {
    this.windows = new DirectWindows(reader.source, { bufferSize: RANDOM_READ_SIZE, reuseBuffers: true });
  }

  /** The record at `offset` (RecordReader.read), into the memory of the last read. */
  async read(offset: number): Promise<RecordIORecord> {
    const cursor = this.cursorAt(offset);
    try {
      for (let step = cursor.next(); step !== null; step = cursor.next()) {
        if (!(step instanceof NeedBytes)) return step;
        await this.windows.fill(cursor, step);
      }
    } catch (err) {
      throw asNotARecordStart(err, offset);
    }
    throw new RecordIOError('NOT_A_RECORD_START', this.reader.name, offset, 'no record starts here');
  }

  /** A cursor at `offset` that joins a multi-part record into memory kept for the next. */
  private cursorAt(offset: number): RecordCursor {
    const { name, size } = this.reader;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= size) {
      throw new RecordIOError('NOT_A_RECORD_START', name, offset, `offset is outside the file (size ${size})`);
    }
    return new RecordCursor(name, size, { from: offset, joinInto: (n) => (this.joined = grownTo(this.joined, n)).subarray(0, n) });
  }

  readSpanSync(offset: number, span: number): RecordIORecord {
    if (!spanInside(this.reader.size, offset, span)) return this.reader.readSync(offset);
    const bytes = (this.memory = grownTo(this.memory, span)).subarray(0, span);
    return this.recordIn(bytes, readFullySync(this.reader.source, bytes, 0, span, offset), offset) ?? this.reader.readSync(offset);
  }

  async readSpan(offset: number, span: number): Promise<RecordIORecord> {
    if (!spanInside(this.reader.size, offset, span)) return this.reader.read(offset);
    const bytes = (this.memory = grownTo(this.memory, span)).subarray(0, span);
    return this.recordIn(bytes, await readFully(this.reader.source, bytes, 0, span, offset), offset) ?? this.reader.read(offset);
  }

  /**
   * The record the span holds: a view of a single chunk, or its parts joined
   * from the bytes already read (not read again); null for anything else,
   * which a plain read then names.
   */
  private recordIn(bytes: Buffer, got: number, offset: number): RecordIORecord | null {
    const whole = wholeRecordIn(bytes, got, offset, this.reader.name);
    if (whole || got !== bytes.length) return whole;
    const cursor = this.cursorAt(offset);
    cursor.setWindow(bytes, offset);
    try {
      const step = cursor.next();
      return step instanceof NeedBytes ? null : step;
    } catch {
      return null;
    }
  }
}

/** `memory` if it holds `size` bytes, else new memory that does. */
function grownTo(memory: Buffer, size: number): Buffer {
  return memory.length >= size ? memory : Buffer.allocUnsafe(size);
}

/**
 * At a caller's offset, "bad magic" or "a middle part" means the offset is wrong, not the file.
 * A bad magic's detail already says that no record starts there, and is not said twice.
 */
function asNotARecordStart(err: unknown, offset: number): unknown {
  if (err instanceof RecordIOError && err.offset === offset && (err.code === 'BAD_MAGIC' || err.code === 'BAD_SEQUENCE')) {
    const detail = err.detail.includes('no record starts here') ? err.detail : `no record starts here (${err.detail})`;
    return new RecordIOError('NOT_A_RECORD_START', err.file, offset, detail);
  }
  return err;
}

/**
 * Writing records, byte for byte as dmlc::RecordIOWriter does, to an output
 * of any store (a local file, an s3:// object) or into memory. The `.rec`
 * (and its `.idx` when one is asked for) is written under a temporary name or
 * into an upload, and published by close() / closeAsync(), the two together
 * (io/output-file.ts): an existing file is refused unless `overwrite` is set.
 * create() and close() are the synchronous API, for stores that write without
 * waiting (local files); createAsync() and closeAsync() take any store, and
 * run the same steps. An upload's writer awaits ready() when it is not null,
 * so memory stays bounded however fast records come.
 */
import { type MakeOutput, type OutputFile, createOutput, createOutputSync, publishTogether, publishTogetherSync } from '../io/output-file.js';
import { storeOf } from '../io/locations.js';
import { type Steps, runAsync, runSync, settle, step } from '../util/steps.js';
import { checkIndexKey, type IndexKey } from './index-file.js';
import { encodeRecordInto, encodedSize, findCuts, framePieces, framePiecesOf } from './recordio.js';
import { UsageError } from '../util/errors.js';

/** Records at least this large skip the write buffer and go to the file as they are (writev). */
const DIRECT_WRITE_SIZE = 64 << 10;

export interface RecordWriterOptions {
  /** Also write an `.idx` here on close; write() then takes each record's key. */
  indexPath?: string;
  /** fsync the files before renaming them into place. Default true. */
  fsync?: boolean;
  /** Replace an existing `.rec` (and `.idx`). Default false: create() throws OutputExistsError for one. */
  overwrite?: boolean;
  /** Bytes of small records gathered before each write to the file. Default 4 MiB. */
  bufferSize?: number;
  /**
   * Write through this named temporary file, kept if the process stops
   * before close() (see suspend()), instead of an anonymous one removed on exit.
   */
  tempPath?: string;
  /**
   * Continue the records already in `tempPath`: keep its first `size` bytes
   * (whole records) and these index entries, and append after them.
   */
  resume?: { size: number; entries: readonly { key: IndexKey; offset: number }[] };
}

interface Sink {
  /** Writes the bytes in order; they may be reused once this returns. */
  write(pieces: readonly Buffer[]): void;
}

class MemorySink implements Sink {
  readonly pieces: Buffer[] = [];
  write(pieces: readonly Buffer[]): void {
    for (const piece of pieces) this.pieces.push(Buffer.from(piece));
  }
}

class FileSink implements Sink {
  constructor(readonly file: OutputFile) {}
  write(pieces: readonly Buffer[]): void {
    this.file.writevSync(pieces);
  }
}

export class RecordWriter {
  private buffer: Buffer;
  private used = 0;
  private written = 0;
  private records = 0;
  private closed = false;
  /** A write that failed (disk full, say): the output is incomplete and must not be renamed into place. */
  private failure: unknown = null;
  /** The `.idx`, written as records are (so memory stays flat however many there are). */
  private readonly index: OutputFile | null;
  private pendingIndex = '';

  private constructor(
    private readonly sink: FileSink | MemorySink,
    private readonly options: RecordWriterOptions,
    index: OutputFile | null = null,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(options.bufferSize ?? 4 << 20, 4096));
    this.index = index;
    if (options.resume) {
      for (const { key, offset } of options.resume.entries) this.addIndexLine(checkIndexKey(key), offset);
      this.written = options.resume.size;
      this.records = options.resume.entries.length;
    }
  }

  private addIndexLine(key: string, offset: number): void {
    this.pendingIndex += `${key}\t${offset}\n`;
    if (this.pendingIndex.length >= 1 << 16) this.flushIndex();
  }

  private flushIndex(): void {
    if (this.index && this.pendingIndex) {
      this.index.writeSync(Buffer.from(this.pendingIndex));
      this.pendingIndex = '';
    }
  }

  /**
   * Starts a `.rec` at a local path (and its `.idx` with `indexPath`);
   * nothing appears there until close(). A location whose store writes only
   * asynchronously (s3://) is a LocalOnlyError: use createAsync().
   */
  static create(path: string, options: RecordWriterOptions = {}): RecordWriter {
    return runSync(RecordWriter.starting(path, options, createOutputSync));
  }

  /**
   * create() for a location in any store: a path or an s3://bucket/key (and
   * an `indexPath` of either kind). An s3:// output is uploaded as it is
   * written and appears when closeAsync() completes; write more only once
   * ready() is null or has resolved. `tempPath` and `resume` are for local
   * files only.
   */
  static createAsync(location: string, options: RecordWriterOptions = {}): Promise<RecordWriter> {
    return runAsync(RecordWriter.starting(location, options, createOutput));
  }

  /** create() and createAsync(), as steps: the `.rec`'s output, then the `.idx`'s. */
  private static *starting(location: string, options: RecordWriterOptions, make: MakeOutput): Steps<RecordWriter> {
    if (options.resume && options.tempPath === undefined) throw new UsageError('resume: expected tempPath too (the file to continue)');
    const store = storeOf(location);
    if ((options.tempPath !== undefined || options.resume) && !store.resumable) {
      throw new UsageError(`tempPath and resume: expected a local output, received ${store.display(location)}`);
    }
    const { overwrite, indexPath } = options;
    const file = yield* step(make(location, { overwrite, tempPath: options.tempPath, continueAt: options.resume?.size }));
    let index: OutputFile | null = null;
    try {
      if (indexPath !== undefined) index = yield* step(make(indexPath, { overwrite }));
      return new RecordWriter(new FileSink(file), options, index);
    } catch (err) {
      // A file being continued is kept for another try; a new one goes.
      yield* settle(options.resume ? file.release?.() : file.abort());
      if (index) yield* settle(index.abort());
      throw err;
    }
  }

  /** Collects the records in memory; toBuffer() returns the `.rec` bytes. */
  static inMemory(options: Omit<RecordWriterOptions, 'fsync' | 'indexPath'> = {}): RecordWriter {
    return new RecordWriter(new MemorySink(), options);
  }

  /** Offset where the next record will start (the file size so far). */
  get position(): number {
    return this.written;
  }

  /** Records written so far. */
  get count(): number {
    return this.records;
  }

  /**
   * Appends one record and returns its offset. With an index, `key` is the
   * key recorded for it (im2rec uses the `.lst` index). The payload may come
   * in pieces (a header, then an image), written as one record: the same
   * bytes as their concatenation, without making it when it is large.
   */
  write(payload: Uint8Array | readonly Uint8Array[], key?: IndexKey): number {
    if (this.closed) throw new UsageError('RecordWriter: write() after close() or abort()');
    if (this.failure !== null) throw new UsageError('RecordWriter: write() after an earlier write failed; the output is incomplete (call abort())');
    const pieces = payload instanceof Uint8Array ? [payload] : Array.isArray(payload) ? (payload as readonly unknown[]) : [payload];
    if (!pieces.every((piece): piece is Uint8Array => piece instanceof Uint8Array)) {
      const bad = pieces.find((piece) => !(piece instanceof Uint8Array));
      throw new UsageError(`expected the payload as a Buffer or Uint8Array (or an array of them), received ${typeof bad}`);
    }
    if (this.index && key === undefined) throw new UsageError('key: expected a key for each record when writing an index, received undefined');
    const indexKey = this.index ? checkIndexKey(key!) : '';
    const offset = this.written;
    // A large payload in pieces goes to the kernel as it is (an image too large to copy behind its header for nothing).
    const length = pieces.reduce((n, piece) => n + piece.byteLength, 0);
    const framed = pieces.length > 1 && length >= DIRECT_WRITE_SIZE ? framePiecesOf(pieces) : null;
    if (framed) {
      if (this.used > 0) framed.unshift(this.buffer.subarray(0, this.used));
      this.send(framed);
      this.used = 0;
      return this.recorded(indexKey, offset, encodedSize(length, []));
    }
    return this.writeWhole(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), indexKey, offset);
  }

  private writeWhole(payload: Uint8Array, indexKey: string, offset: number): number {
    const cuts = findCuts(payload);
    const size = encodedSize(payload.byteLength, cuts);
    if (size >= DIRECT_WRITE_SIZE || size > this.buffer.length) {
      // Large: hand the payload itself to the kernel, as dmlc's fwrite does, instead of copying it first.
      const pieces = framePieces(payload, cuts);
      if (this.used > 0) pieces.unshift(this.buffer.subarray(0, this.used));
      this.send(pieces);
      this.used = 0;
    } else {
      if (size > this.buffer.length - this.used) this.flush();
      encodeRecordInto(payload, cuts, this.buffer, this.used);
      this.used += size;
    }
    return this.recorded(indexKey, offset, size);
  }

  /** Counts a record of `size` framed bytes written at `offset`, and indexes it. */
  private recorded(indexKey: string, offset: number, size: number): number {
    if (this.index) this.addIndexLine(indexKey, offset);
    this.written += size;
    this.records += 1;
    return offset;
  }

  /**
   * null when more records may be written now; else a promise to await first
   * (an s3:// upload that has fallen behind). Rejects when the upload failed.
   */
  ready(): Promise<void> | null {
    if (!(this.sink instanceof FileSink)) return null;
    const rec = this.sink.file.ready();
    const idx = this.index?.ready() ?? null;
    return rec && idx ? Promise.all([rec, idx]).then(() => {}) : (rec ?? idx);
  }

  private flush(): void {
    if (this.used > 0) {
      this.send([this.buffer.subarray(0, this.used)]);
      this.used = 0;
    }
  }

  private send(pieces: Buffer[]): void {
    try {
      this.sink.write(pieces);
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  /**
   * Finishes the output: flushes, and publishes the `.rec` (and `.idx`):
   * for outputs that never wait (local files; else a LocalOnlyError, and the
   * output is dropped: use closeAsync()). If any write failed, the temporary
   * file is removed instead and the failure is thrown again: an incomplete
   * file never gets the name.
   */
  close(): void {
    let files: OutputFile[];
    try {
      files = this.finishWrites();
    } catch (err) {
      void this.abort(); // local files are removed before abort() returns
      throw err;
    }
    publishTogetherSync(files, { fsync: this.options.fsync });
  }

  /** close() for any output, s3:// included: resolves once the `.rec` (and `.idx`) exist. */
  async closeAsync(): Promise<void> {
    let files: OutputFile[];
    try {
      files = this.finishWrites();
    } catch (err) {
      await this.abort();
      throw err;
    }
    await publishTogether(files, { fsync: this.options.fsync });
  }

  /**
   * The writes' last bytes, flushed: returns the files to publish, the `.rec`
   * last (whoever sees it finds its `.idx` beside it); none for memory. A
   * write that failed is thrown again (the caller drops the output).
   */
  private finishWrites(): OutputFile[] {
    if (this.closed) return [];
    try {
      if (this.failure === null) this.flush();
    } catch {
      // send() recorded it in this.failure
    }
    if (this.failure !== null) throw this.failure;
    this.closed = true;
    if (!(this.sink instanceof FileSink)) return [];
    this.flushIndex();
    return this.index ? [this.index, this.sink.file] : [this.sink.file];
  }

  /**
   * Stops without finishing: writes out the records written so far and
   * leaves them in the `tempPath` file, to be continued with `resume`.
   */
  suspend(): void {
    if (this.closed) return;
    if (!(this.sink instanceof FileSink) || this.options.tempPath === undefined) {
      throw new UsageError('RecordWriter: suspend() is for file writers made with a tempPath');
    }
    const file = this.sink.file;
    this.closed = true;
    void this.index?.abort(); // rebuilt from the records when the output is resumed
    try {
      if (this.failure === null) this.flush();
    } finally {
      file.release?.(); // a tempPath is a resumable store's (starting), whose outputs release
    }
  }

  /**
   * Drops a file output: the temporary file is removed (before this returns)
   * and nothing is renamed; an s3:// upload is cancelled (when the promise resolves).
   */
  async abort(): Promise<void> {
    this.closed = true;
    const pending = [this.index?.abort(), this.sink instanceof FileSink ? this.sink.file.abort() : undefined];
    await Promise.all(pending);
  }

  /** The `.rec` bytes of an in-memory writer. */
  toBuffer(): Buffer {
    if (!(this.sink instanceof MemorySink)) throw new UsageError('RecordWriter: toBuffer() is for writers made with RecordWriter.inMemory()');
    this.flush();
    return Buffer.concat(this.sink.pieces);
  }
}

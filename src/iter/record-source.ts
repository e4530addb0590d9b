/**
 * The iterator's loading stage: which records this part holds and in what
 * order each epoch visits them. Two readers, as in MXNet:
 *
 * - Indexed (`pathImgidx`): dmlc's IndexedRecordIOSplitter. The `.idx` offsets
 *   of all files, sorted, are split by record count (ceil(n / numParts) per
 *   part); records are read by offset, so `shuffle` permutes the whole part
 *   every epoch.
 * - Sequential: dmlc's "recordio" InputSplit (byte ranges moved to record
 *   starts, see format/partition.ts), read in large blocks. Without offsets a
 *   global shuffle would need the whole part in memory, so `shuffle` here is a
 *   buffer shuffle: a window of `shuffleBuffer` records, each output drawn at
 *   random from it and replaced by the next record read. MXNet's equivalent
 *   shuffles within each ~8 MB read (its "shuffle chunk").
 *
 * Either way the order is a function of (seed, epoch) only. Files may be
 * http(s):// URLs or s3:// objects (opened by readInputs): indexed records are then read a few
 * at a time ahead of use, sequential ones through the scan's read-ahead.
 */
import { RecordIOError } from '../format/errors.js';
import { readIndexOffsets, readIndexOffsetsSync } from '../format/index-file.js';
import { scanPartition } from '../format/partition.js';
import { type RecordIORecord, RecordReader } from '../format/reader.js';
import { FileSource } from '../io/byte-source.js';
import { storeOf } from '../io/locations.js';
import { REMOTE_READ_BYTES, REMOTE_READS_IN_FLIGHT, REMOTE_READS_MOST } from '../io/limits.js';
import { displayLocation } from '../io/display-name.js';
import { type RecordFile, resolveRecordFiles, resolveRecordLocations } from '../io/record-files.js';
import { ListLabels } from './labels.js';
import type { IterSettings } from './options.js';
import { Rng, STREAM } from '../util/rng.js';
import { MxrecError } from '../util/errors.js';
import { orderedMap } from '../util/ordered-map.js';

export interface SourceRecord {
  payload: Buffer;
  file: string;
  /** Byte offset of the record in `file`. */
  offset: number;
}

/** A record that could not be read, and why (framing damage). */
export interface BadRecord {
  file: string;
  offset: number;
  reason: string;
}

export interface RecordSource {
  /** Records in this part, when known before reading (indexed); else null. */
  readonly size: number | null;
  /** The epoch's records in order; `onBad` hears of each damaged one stepped over (skipCorrupt). */
  records(epoch: number, onBad: (bad: BadRecord) => void): AsyncIterator<SourceRecord>;
  close(): void;
}

type SourceSettings = Pick<
  IterSettings,
  'files' | 'indexFiles' | 'listFile' | 'labelWidth' | 'remote' | 'numParts' | 'partIndex' | 'shuffle' | 'seed' | 'shuffleBuffer' | 'skipCorrupt'
>;

export class IterSourceError extends MxrecError {
  override readonly name = 'IterSourceError';
  readonly kind = 'usage';
}

/** What the options name, opened or read: the .rec files, their .idx files' offsets (in file order), the list file's labels. */
export interface SourceInputs {
  files: RecordFile[];
  indexes: Array<Uint32Array | Float64Array> | null;
  list: ListLabels | null;
}

/** Refuses an .idx offset past the end of its .rec (dmlc would read garbage there). */
function withinFile(indexFile: string, file: RecordFile): (offset: number, line: number) => void {
  return (offset, line) => {
    if (offset >= file.size) {
      throw new IterSourceError(`${displayLocation(indexFile)}:${line}: offset ${offset} is past the end of ${file.path} (${file.size} bytes)`);
    }
  };
}

function checkIndexCount(files: readonly RecordFile[], indexFiles: readonly string[]): void {
  if (files.length !== indexFiles.length) {
    throw new IterSourceError(
      `pathImgidx: expected one .idx per .rec file (${files.length}: ${files.map((f) => f.path).join(', ')}), received ${indexFiles.length}`,
    );
  }
}

/** The inputs of local paths, read synchronously (for the constructor). */
export function readInputsSync(s: SourceSettings): SourceInputs {
  const named = [...(typeof s.files === 'string' ? s.files.split(';') : s.files), ...(s.indexFiles ?? []), s.listFile ?? ''];
  const url = named.find((location) => location !== '' && storeOf(location).remote);
  if (url) throw new IterSourceError(`${displayLocation(url)}: URLs are read asynchronously; create the iterator with \`await ImageRecordIter.open(options)\``);
  const files = resolveRecordFiles(s.files);
  if (s.indexFiles) checkIndexCount(files, s.indexFiles);
  return {
    files,
    indexes: s.indexFiles?.map((f, i) => readIndexOffsetsSync(f, withinFile(f, files[i]!))) ?? null,
    list: s.listFile ? ListLabels.readSync(s.listFile, s.labelWidth) : null,
  };
}

/** The inputs of paths, http(s):// URLs or s3:// objects. */
export async function readInputs(s: SourceSettings): Promise<SourceInputs> {
  const files = await resolveRecordLocations(s.files, s.remote);
  if (s.indexFiles) checkIndexCount(files, s.indexFiles);
  return {
    files,
    indexes: s.indexFiles ? await Promise.all(s.indexFiles.map((f, i) => readIndexOffsets(f, withinFile(f, files[i]!), s.remote))) : null,
    list: s.listFile ? await ListLabels.read(s.listFile, s.labelWidth, s.remote) : null,
  };
}

export function openRecordSource(s: SourceSettings, inputs: SourceInputs): RecordSource {
  return inputs.indexes ? new IndexedSource(s, inputs.files, inputs.indexes) : new SequentialSource(s, inputs.files);
}

/** One file's records in this part: their offsets, sorted, and where the record after the last one starts. */
interface FileShare {
  file: number;
  offsets: Uint32Array | Float64Array;
  /** The next record start in the file (outside the part), or the file's size. */
  next: number;
}

/**
 * Memory is the offsets of the part's records, sorted in place where they
 * were read (4 or 8 bytes each, no copy when the part is the whole file),
 * and each epoch's order (4 bytes each): a record's file is found by a
 * binary search over the files, its span from the offset after it. Copies
 * per record (file, offset, span, and the sorted offsets again) took 1.8 GB
 * for 45 M records.
 */
class IndexedSource implements RecordSource {
  private readonly readers: RecordReader[];
  private readonly remote: boolean;
  private readonly shares: FileShare[] = [];
  /** Position in the part of each share's first record. */
  private readonly firsts: number[] = [];
  readonly size: number;

  constructor(
    private readonly s: SourceSettings,
    files: readonly RecordFile[],
    indexes: ReadonlyArray<Uint32Array | Float64Array>,
  ) {
    // dmlc sorts the offsets (of the files laid end to end) and ignores the keys.
    const sorted = indexes.map((offsets) => offsets.sort());
    const total = sorted.reduce((n, o) => n + o.length, 0);
    const step = Math.ceil(total / s.numParts);
    const begin = Math.min(step * s.partIndex, total);
    const end = Math.min(step * (s.partIndex + 1), total);
    // Walk the records laid end to end; keep those at positions [begin, end).
    let position = 0;
    let size = 0;
    sorted.forEach((offsets, file) => {
      const from = Math.max(begin - position, 0);
      const to = Math.min(end - position, offsets.length);
      position += offsets.length;
      if (from >= to) return;
      const whole = from === 0 && to === offsets.length;
      this.firsts.push(size);
      this.shares.push({ file, offsets: whole ? offsets : offsets.slice(from, to), next: to < offsets.length ? offsets[to]! : files[file]!.size });
      size += to - from;
    });
    this.size = size;
    this.readers = files.map((f) => new RecordReader(f.source ?? FileSource.open(f.path)));
    this.remote = files.some((f) => f.source);
  }

  /** Which share holds the part's record `i`. */
  private shareOf(i: number): number {
    let lo = 0;
    let hi = this.firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.firsts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Record `i` of the part: its reader, offset, and the bytes up to the next record start (or the file's end). */
  private locate(i: number): { reader: RecordReader; offset: number; span: number } {
    const at = this.shareOf(i);
    const share = this.shares[at]!;
    const k = i - this.firsts[at]!;
    const offset = share.offsets[k]!;
    return { reader: this.readers[share.file]!, offset, span: (k + 1 < share.offsets.length ? share.offsets[k + 1]! : share.next) - offset };
  }

  private order(epoch: number): Uint32Array {
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.s.shuffle) new Rng(this.s.seed, epoch, STREAM.shuffle).shuffle(order);
    return order;
  }

  records(epoch: number, onBad: (bad: BadRecord) => void): AsyncIterator<SourceRecord> {
    return this.remote ? this.remoteRecords(this.order(epoch), onBad) : this.localRecords(this.order(epoch), onBad);
  }

  /** A damaged record: skipped and reported with skipCorrupt, else the error stands. */
  private readOrSkip(reader: RecordReader, offset: number, read: () => RecordIORecord, onBad: (bad: BadRecord) => void): SourceRecord | null {
    try {
      return { payload: read().payload, file: reader.name, offset };
    } catch (err) {
      if (!(err instanceof RecordIOError) || !this.s.skipCorrupt) throw err;
      onBad({ file: reader.name, offset, reason: err.message });
      return null;
    }
  }

  private async *localRecords(order: Uint32Array, onBad: (bad: BadRecord) => void): AsyncGenerator<SourceRecord> {
    for (const i of order) {
      const { reader, offset, span } = this.locate(i);
      const rec = this.readOrSkip(reader, offset, () => reader.readSpanSync(offset, span), onBad);
      if (rec) yield rec;
    }
  }

  /**
   * Records read REMOTE_READS_IN_FLIGHT at a time at first, and one more each time the iterator
   * waits for one (io/limits.ts), handed out in order: a store that answers after 30 ms serves 16
   * reads at once at 530 records/s, a fraction of what one machine decodes (Little's law: the
   * reads in flight must be the rate times the latency).
   */
  private async *remoteRecords(order: Uint32Array, onBad: (bad: BadRecord) => void): AsyncGenerator<SourceRecord> {
    // Each read settles as a thunk, so that readOrSkip decides in its turn what a failed one means.
    let bytesInFlight = 0;
    const reads = orderedMap(
      order,
      REMOTE_READS_IN_FLIGHT,
      (i) => {
        const { reader, offset, span } = this.locate(i);
        bytesInFlight += span;
        return reader.readSpan(offset, span).then(
          (r) => ({ reader, offset, span, read: () => r }),
          (err: unknown) => ({ reader, offset, span, read: (): RecordIORecord => { throw err; } }),
        );
      },
      { growTo: REMOTE_READS_MOST, canGrow: () => bytesInFlight < REMOTE_READ_BYTES },
    );
    for await (const { reader, offset, span, read } of reads) {
      bytesInFlight -= span;
      const rec = this.readOrSkip(reader, offset, read, onBad);
      if (rec) yield rec;
    }
  }

  close(): void {
    for (const r of this.readers) r.close();
  }
}

class SequentialSource implements RecordSource {
  readonly size = null;

  constructor(
    private readonly s: SourceSettings,
    private readonly files: readonly RecordFile[],
  ) {}

  private inFileOrder(onBad: (bad: BadRecord) => void): Iterable<RecordIORecord> | AsyncIterable<RecordIORecord> {
    const scan = scanPartition(this.files, {
      numParts: this.s.numParts,
      partIndex: this.s.partIndex,
      recover: this.s.skipCorrupt,
      onSkip: (e) => onBad({ file: e.file, offset: e.offset, reason: e.error.message }),
    });
    // Local files: the sync scan (read ahead on reader threads, no promise per record); URLs: the async one.
    return this.files.some((f) => f.source) ? scan : { [Symbol.iterator]: () => scan[Symbol.iterator]() };
  }

  async *records(epoch: number, onBad: (bad: BadRecord) => void): AsyncGenerator<SourceRecord> {
    const toSource = (r: RecordIORecord): SourceRecord => ({ payload: r.payload, file: r.file, offset: r.offset });
    if (!this.s.shuffle) {
      for await (const r of this.inFileOrder(onBad)) yield toSource(r);
      return;
    }
    const rng = new Rng(this.s.seed, epoch, STREAM.shuffle);
    const window: SourceRecord[] = [];
    for await (const r of this.inFileOrder(onBad)) {
      if (window.length < this.s.shuffleBuffer) {
        window.push(toSource(r));
        continue;
      }
      const j = rng.int(0, window.length - 1);
      yield window[j]!;
      window[j] = toSource(r);
    }
    rng.shuffle(window);
    yield* window;
  }

  close(): void {}
}

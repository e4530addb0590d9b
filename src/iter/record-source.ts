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
 * http(s):// URLs (opened by readInputs): indexed records are then read a few
 * at a time ahead of use, sequential ones through the scan's read-ahead.
 */
import { RecordIOError } from '../format/errors.js';
import { RecordIndex } from '../format/index-file.js';
import { scanPartition } from '../format/partition.js';
import { type RecordIORecord, RecordReader } from '../format/reader.js';
import { FileSource } from '../io/byte-source.js';
import { isUrl } from '../io/url.js';
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
  'files' | 'indexFiles' | 'listFile' | 'labelWidth' | 'http' | 'numParts' | 'partIndex' | 'shuffle' | 'seed' | 'shuffleBuffer' | 'skipCorrupt'
>;

export class IterSourceError extends MxrecError {
  override readonly name = 'IterSourceError';
  readonly kind = 'usage';
}

/** What the options name, opened or read: the .rec files, their .idx files, the list file's labels. */
export interface SourceInputs {
  files: RecordFile[];
  indexes: RecordIndex[] | null;
  list: ListLabels | null;
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
  const url = named.find(isUrl);
  if (url) throw new IterSourceError(`${displayLocation(url)}: URLs are read asynchronously; create the iterator with \`await ImageRecordIter.open(options)\``);
  const files = resolveRecordFiles(s.files);
  if (s.indexFiles) checkIndexCount(files, s.indexFiles);
  return {
    files,
    indexes: s.indexFiles?.map((f) => RecordIndex.readSync(f)) ?? null,
    list: s.listFile ? ListLabels.readSync(s.listFile, s.labelWidth) : null,
  };
}

/** The inputs of paths or http(s):// URLs. */
export async function readInputs(s: SourceSettings): Promise<SourceInputs> {
  const files = await resolveRecordLocations(s.files, s.http);
  if (s.indexFiles) checkIndexCount(files, s.indexFiles);
  return {
    files,
    indexes: s.indexFiles ? await Promise.all(s.indexFiles.map((f) => RecordIndex.read(f, s.http))) : null,
    list: s.listFile ? await ListLabels.read(s.listFile, s.labelWidth, s.http) : null,
  };
}

export function openRecordSource(s: SourceSettings, inputs: SourceInputs): RecordSource {
  return inputs.indexes ? new IndexedSource(s, inputs.files, inputs.indexes) : new SequentialSource(s, inputs.files);
}

/** Remote records read at once, ahead of the one being used: enough to keep a link busy, not the whole part. */
const REMOTE_READS_IN_FLIGHT = 16;

class IndexedSource implements RecordSource {
  private readonly readers: RecordReader[];
  private readonly remote: boolean;
  /** This part's records: file number and offset, in sorted order. */
  private readonly fileOf: Uint32Array;
  private readonly offsetOf: Float64Array;
  /** Bytes up to the next record start (or the file's end): read in one go. */
  private readonly spanOf: Float64Array;

  constructor(
    private readonly s: SourceSettings,
    files: readonly RecordFile[],
    indexes: readonly RecordIndex[],
  ) {
    // dmlc sorts the offsets (of the files laid end to end) and ignores the keys.
    const sorted = files.map((f, i) => {
      const index = indexes[i]!;
      const offsets = new Float64Array(index.length);
      for (let k = 0; k < index.length; k++) {
        const offset = index.offsetAt(k);
        if (offset >= f.size) {
          throw new IterSourceError(`${index.file}:${index.lineAt(k)}: offset ${offset} is past the end of ${f.path} (${f.size} bytes)`);
        }
        offsets[k] = offset;
      }
      return offsets.sort();
    });
    const total = sorted.reduce((n, o) => n + o.length, 0);
    const step = Math.ceil(total / s.numParts);
    const begin = Math.min(step * s.partIndex, total);
    const end = Math.min(step * (s.partIndex + 1), total);
    this.fileOf = new Uint32Array(end - begin);
    this.offsetOf = new Float64Array(end - begin);
    this.spanOf = new Float64Array(end - begin);
    // Walk the records laid end to end; keep those at positions [begin, end).
    let position = 0;
    sorted.forEach((offsets, file) => {
      for (let k = 0; k < offsets.length; k++, position++) {
        if (position < begin || position >= end) continue;
        const at = position - begin;
        this.fileOf[at] = file;
        this.offsetOf[at] = offsets[k]!;
        // Bytes up to the next record start in the same file, or to its end.
        this.spanOf[at] = (k + 1 < offsets.length ? offsets[k + 1]! : files[file]!.size) - offsets[k]!;
      }
    });
    this.readers = files.map((f) => new RecordReader(f.source ?? FileSource.open(f.path)));
    this.remote = files.some((f) => f.source);
  }

  get size(): number {
    return this.fileOf.length;
  }

  private order(epoch: number): Uint32Array {
    const order = Uint32Array.from({ length: this.size }, (_, i) => i);
    if (this.s.shuffle) new Rng(this.s.seed, epoch, STREAM.shuffle).shuffle(order);
    return order;
  }

  records(epoch: number, onBad: (bad: BadRecord) => void): AsyncIterator<SourceRecord> {
    return this.remote ? this.remoteRecords(this.order(epoch), onBad) : this.localRecords(this.order(epoch), onBad);
  }

  /** A damaged record: skipped and reported with skipCorrupt, else the error stands. */
  private readOrSkip(i: number, read: () => RecordIORecord, onBad: (bad: BadRecord) => void): SourceRecord | null {
    const reader = this.readers[this.fileOf[i]!]!;
    const offset = this.offsetOf[i]!;
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
      const rec = this.readOrSkip(i, () => this.readers[this.fileOf[i]!]!.readSpanSync(this.offsetOf[i]!, this.spanOf[i]!), onBad);
      if (rec) yield rec;
    }
  }

  /** Records read REMOTE_READS_IN_FLIGHT at a time, handed out in order. */
  private async *remoteRecords(order: Uint32Array, onBad: (bad: BadRecord) => void): AsyncGenerator<SourceRecord> {
    // Each read settles as a thunk, so that readOrSkip decides in its turn what a failed one means.
    const reads = orderedMap(order, REMOTE_READS_IN_FLIGHT, (i) =>
      this.readers[this.fileOf[i]!]!.readSpan(this.offsetOf[i]!, this.spanOf[i]!).then(
        (r) => ({ i, read: () => r }),
        (err: unknown) => ({ i, read: (): RecordIORecord => { throw err; } }),
      ),
    );
    for await (const { i, read } of reads) {
      const rec = this.readOrSkip(i, read, onBad);
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

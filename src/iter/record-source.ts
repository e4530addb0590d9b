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
 *   shuffles within each ~8 MB read chunk.
 *
 * Either way the order is a function of (seed, epoch) only.
 */
import { RecordIOError } from '../format/errors.js';
import { RecordIndex } from '../format/index-file.js';
import { readPartition } from '../format/partition.js';
import { RecordReader } from '../format/reader.js';
import { resolveRecordFiles } from '../io/record-files.js';
import type { IterSettings } from './options.js';
import { Rng, STREAM } from '../util/rng.js';

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
  records(epoch: number): Iterable<SourceRecord>;
  close(): void;
}

type SourceSettings = Pick<
  IterSettings,
  'files' | 'indexFiles' | 'numParts' | 'partIndex' | 'shuffle' | 'seed' | 'shuffleBuffer' | 'skipCorrupt'
>;

export class IterSourceError extends Error {
  override readonly name = 'IterSourceError';
}

export function openRecordSource(s: SourceSettings, onBad: (bad: BadRecord) => void): RecordSource {
  return s.indexFiles ? new IndexedSource(s, s.indexFiles, onBad) : new SequentialSource(s, onBad);
}

class IndexedSource implements RecordSource {
  private readonly readers: RecordReader[];
  /** This part's records: file number and offset, in sorted order. */
  private readonly fileOf: Uint32Array;
  private readonly offsetOf: Float64Array;
  /** Bytes up to the next record start (or the file's end): read in one go. */
  private readonly spanOf: Float64Array;

  constructor(
    private readonly s: SourceSettings,
    indexFiles: readonly string[],
    private readonly onBad: (bad: BadRecord) => void,
  ) {
    const files = resolveRecordFiles(s.files);
    if (files.length !== indexFiles.length) {
      throw new IterSourceError(
        `pathImgidx: expected one .idx per .rec file (${files.length}: ${files.map((f) => f.path).join(', ')}), received ${indexFiles.length}`,
      );
    }
    const all: Array<{ file: number; offset: number }> = [];
    files.forEach((f, i) => {
      const index = RecordIndex.readSync(indexFiles[i]!);
      for (const e of index.entries) {
        if (e.offset >= f.size) {
          throw new IterSourceError(`${index.file}:${e.line}: offset ${e.offset} is past the end of ${f.path} (${f.size} bytes)`);
        }
        all.push({ file: i, offset: e.offset });
      }
    });
    // dmlc sorts the offsets (of the files laid end to end) and ignores the keys.
    all.sort((a, b) => a.file - b.file || a.offset - b.offset);
    const step = Math.ceil(all.length / s.numParts);
    const begin = Math.min(step * s.partIndex, all.length);
    const part = all.slice(begin, Math.min(step * (s.partIndex + 1), all.length));
    this.fileOf = Uint32Array.from(part, (r) => r.file);
    this.offsetOf = Float64Array.from(part, (r) => r.offset);
    this.spanOf = Float64Array.from(part, (r, i) => {
      const next = all[begin + i + 1];
      return (next && next.file === r.file ? next.offset : files[r.file]!.size) - r.offset;
    });
    this.readers = files.map((f) => RecordReader.open(f.path));
  }

  get size(): number {
    return this.fileOf.length;
  }

  *records(epoch: number): Iterable<SourceRecord> {
    const order = Uint32Array.from({ length: this.size }, (_, i) => i);
    if (this.s.shuffle) new Rng(this.s.seed, epoch, STREAM.shuffle).shuffle(order);
    for (const i of order) {
      const reader = this.readers[this.fileOf[i]!]!;
      const offset = this.offsetOf[i]!;
      let payload: Buffer;
      try {
        payload = reader.readSpanSync(offset, this.spanOf[i]!).payload;
      } catch (err) {
        if (!(err instanceof RecordIOError) || !this.s.skipCorrupt) throw err;
        this.onBad({ file: reader.name, offset, reason: err.message });
        continue;
      }
      yield { payload, file: reader.name, offset };
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
    private readonly onBad: (bad: BadRecord) => void,
  ) {
    resolveRecordFiles(s.files); // fail now, not at the first batch
  }

  private *inFileOrder(): Iterable<SourceRecord> {
    const scan = readPartition(this.s.files, {
      numParts: this.s.numParts,
      partIndex: this.s.partIndex,
      recover: this.s.skipCorrupt,
      onSkip: (e) => this.onBad({ file: e.file, offset: e.offset, reason: e.error.message }),
    });
    for (const r of scan) yield { payload: r.payload, file: r.file, offset: r.offset };
  }

  *records(epoch: number): Iterable<SourceRecord> {
    if (!this.s.shuffle) {
      yield* this.inFileOrder();
      return;
    }
    const rng = new Rng(this.s.seed, epoch, STREAM.shuffle);
    const window: SourceRecord[] = [];
    for (const r of this.inFileOrder()) {
      if (window.length < this.s.shuffleBuffer) {
        window.push(r);
        continue;
      }
      const j = rng.int(0, window.length - 1);
      yield window[j]!;
      window[j] = r;
    }
    rng.shuffle(window);
    yield* window;
  }

  close(): void {}
}

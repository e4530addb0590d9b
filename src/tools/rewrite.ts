/**
 * What `rec merge`, `split`, `subset` and `shuffle` share: records read with
 * their keys, and written to a new `.rec` + `.idx` with keys kept or
 * renumbered. Keys come from the input's `.idx` when it has one, else from
 * the image header id (what im2rec keys by). Renumbering gives keys 0..n-1
 * in output order and writes the new key into each image header's id too, so
 * that the file stays as im2rec would have made it (`rec index` rebuilds the
 * same .idx). The outputs are claimed before any work (output-claim.ts: locked,
 * refused if they exist without `overwrite` or name an input), appear only
 * when complete, and not at all when no record would be written; inputs are
 * never touched.
 */
import fs from 'node:fs';
import { RecordIndex, indexPathFor } from '../format/index-file.js';
import { tryUnpackImageRecord } from '../format/image-record.js';
import { type RecordIORecord, RecordReader } from '../format/reader.js';
import { RecordWriter } from '../format/writer.js';
import { claimOutputs } from '../io/output-claim.js';
import { NothingWrittenError } from '../io/output-errors.js';
import { localSiblingIndex } from '../io/locations.js';
import { NoImageHeaderError } from './build-index.js';

export interface RewriteOptions {
  /** Keys 0..n-1 in output order (image header ids follow). Default false: keys kept. */
  renumber?: boolean;
  /** Replace outputs that exist (the CLI's --force). Default false: OutputExistsError. */
  overwrite?: boolean;
  fsync?: boolean;
  /** Called now and then with the bytes of the inputs read so far, and their total. */
  onProgress?: (done: number, total: number) => void;
}

/** Bytes of the inputs read so far, passed to onProgress every few thousand records. */
export class InputProgress {
  readonly total: number;
  private done = 0;
  private records = 0;

  constructor(
    inputs: readonly string[],
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    this.total = onProgress ? inputs.reduce((n, f) => n + fs.statSync(f).size, 0) : 0;
  }

  add(bytes: number): void {
    this.done += bytes;
    if (this.onProgress && ++this.records % 2048 === 0) this.onProgress(this.done, this.total);
  }

  finish(): void {
    this.onProgress?.(this.total, this.total);
  }
}

export interface KeyedRecord {
  record: RecordIORecord;
  key: string;
}

/** The `.idx` beside `recPath` (to take keys from), or null when it has none. */
export function siblingIndexOf(recPath: string): RecordIndex | null {
  const idxPath = localSiblingIndex(recPath);
  return idxPath === null ? null : RecordIndex.readSync(idxPath);
}

/** The key of a record: from the .idx, else its header id. */
export function keyOf(record: RecordIORecord, index: RecordIndex | null, file: string): string {
  const key = index?.keyAtOffset(record.offset);
  if (key !== undefined) return key;
  const image = tryUnpackImageRecord(record.payload);
  if (!image) throw new NoImageHeaderError(`${file}: byte ${record.offset}: no .idx entry and no image header to take a key from`);
  return String(image.id);
}

/** Every record of a file, in file order, with its key. Payloads are valid until the next record. */
export function* readKeyed(recPath: string, progress?: InputProgress): Generator<KeyedRecord> {
  const index = siblingIndexOf(recPath);
  const reader = RecordReader.open(recPath);
  try {
    for (const record of reader.scan({ reuseBuffers: true })) {
      progress?.add(record.end - record.offset);
      yield { record, key: keyOf(record, index, recPath) };
    }
  } finally {
    reader.close();
  }
}

/** A copy of an image record's payload with a new header id; other payloads as they are. */
function withId(payload: Uint8Array, id: number): Uint8Array {
  if (!tryUnpackImageRecord(payload)) return payload;
  const copy = Buffer.from(payload);
  copy.writeBigUInt64LE(BigInt(id), 8);
  return copy;
}

/** One output `.rec` + `.idx`. */
export class RewriteTarget {
  readonly indexPath: string;
  private readonly writer: RecordWriter;
  /** The keys written, to count duplicates at the end (a few bytes each). */
  private readonly keys = new RecordIndex();

  constructor(
    readonly out: string,
    private readonly options: RewriteOptions = {},
  ) {
    this.indexPath = indexPathFor(out);
    this.writer = RecordWriter.create(out, { indexPath: this.indexPath, fsync: options.fsync, overwrite: options.overwrite });
  }

  get records(): number {
    return this.writer.count;
  }

  get bytes(): number {
    return this.writer.position;
  }

  write({ record, key }: KeyedRecord): void {
    if (this.options.renumber) {
      const id = this.writer.count;
      this.writer.write(withId(record.payload, id), id);
      return;
    }
    this.keys.add(key, this.writer.write(record.payload, key));
  }

  /** Keys written more than once (the last record wins on lookup); 0 when renumbered. */
  get duplicateKeys(): number {
    return this.keys.length - this.keys.size;
  }

  close(): void {
    this.writer.close();
  }

  abort(): void {
    this.writer.abort();
  }
}

export interface RewriteResult {
  out: string;
  indexPath: string;
  records: number;
  bytes: number;
  /** Keys that appear more than once (the last record wins on lookup); 0 when renumbered. */
  duplicateKeys: number;
}

/** Writes the records into the targets (in the order the outputs were given). */
export type RewriteFill = (targets: RewriteTarget[], progress: InputProgress) => void;

/**
 * Claims the outputs, then runs `fill` over fresh targets: all appear when it
 * returns, none when it throws or writes no record at all (NothingWrittenError
 * with `nothingWritten` as its message).
 */
export function rewrite(
  outs: readonly string[],
  inputs: readonly string[],
  options: RewriteOptions,
  fill: RewriteFill,
  nothingWritten: string,
): RewriteResult[] {
  const claim = claimOutputs(outs, outs.map(indexPathFor), { inputs: inputs.flatMap((f) => [f, indexPathFor(f)]), overwrite: options.overwrite });
  const targets: RewriteTarget[] = [];
  try {
    try {
      for (const out of outs) targets.push(new RewriteTarget(out, options));
      const progress = new InputProgress(inputs, options.onProgress);
      fill(targets, progress);
      progress.finish();
      if (targets.every((t) => t.records === 0)) throw new NothingWrittenError(`${nothingWritten}; nothing written`);
    } catch (err) {
      for (const t of targets) t.abort();
      throw err;
    }
    for (const t of targets) t.close();
  } finally {
    claim.release();
  }
  return targets.map((t) => ({ out: t.out, indexPath: t.indexPath, records: t.records, bytes: t.bytes, duplicateKeys: t.duplicateKeys }));
}

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
 * never touched. Inputs and outputs may be s3:// objects: records are read by
 * ranged GETs and written into multipart uploads, a record at a time, so a
 * merge of parts in a bucket holds the same few buffers whatever their size.
 *
 * An input in insightface's layout (format/face-layout.ts) gives outputs in
 * it: the layout's keys are its own (images 1..N by identity, then record 0
 * and the identity records), so they are handed out, not kept or renumbered,
 * and the input's record 0 and identity records, stale in any output that
 * does not hold every image of the input, are written afresh.
 */
import { RecordIndex, indexPathFor } from '../format/index-file.js';
import { setFirstLabel, setRecordId, tryUnpackImageRecord } from '../format/image-record.js';
import { type RecordIORecord, RecordReader } from '../format/reader.js';
import { RecordWriter } from '../format/writer.js';
import { claimOutputs } from '../io/output-claim.js';
import { NothingWrittenError } from '../io/output-errors.js';
import { displayLocation } from '../io/display-name.js';
import { openLocation, siblingIndex } from '../io/locations.js';
import { type OptionsOf, abortSignal, boolean, callback } from '../util/schema.js';
import { NoImageHeaderError } from './build-index.js';
import { IndexCheck, ProblemList } from './index-check.js';
import { type IdentityJoin, IdentityKeys, identityOf, isLayoutRecord, readLayoutHeader } from '../format/face-layout.js';
import { UsageError } from '../util/errors.js';

/** What every command that writes a new .rec + .idx takes (merge, split, subset, shuffle, flatten, repair). */
export const REWRITE_OPTIONS = {
  renumber: boolean({ doc: 'keys 0..n-1 in output order, written into each image header id too (default: keys kept, from the .idx or header id)', default: false }),
  overwrite: boolean({ doc: 'replace outputs that exist (inputs are never replaced); else OutputExistsError', flag: '--force', flagDoc: 'replace outputs that exist (inputs are never replaced)', default: false }),
  fsync: boolean({ doc: 'fsync outputs before renaming them into place', default: true, flag: false }),
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes of the inputs read so far, and their total'),
  signal: abortSignal('abort to stop: checked at every record; the outputs are dropped and the promise rejects with the signal\'s reason'),
};
export type RewriteOptions = OptionsOf<typeof REWRITE_OPTIONS>;

/**
 * Bytes of the inputs read so far, passed to onProgress every few thousand
 * records. Every record a rewrite reads passes here, so this is also where
 * the run stops when its signal is aborted.
 */
export class InputProgress {
  private done = 0;
  private records = 0;

  private constructor(
    readonly total: number,
    private readonly onProgress?: (done: number, total: number) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * Progress over `inputs` (paths or URLs), read `passes` times, whose sizes
   * are looked up only when someone is told.
   */
  static async of(inputs: readonly string[], onProgress?: (done: number, total: number) => void, signal?: AbortSignal, passes = 1): Promise<InputProgress> {
    let total = 0;
    if (onProgress) {
      for (const input of inputs) {
        signal?.throwIfAborted();
        const source = await openLocation(input);
        total += source.size;
        source.close();
      }
    }
    return new InputProgress(total * passes, onProgress, signal);
  }

  /** Progress over `total` bytes known already. */
  static sized(total: number, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): InputProgress {
    return new InputProgress(total, onProgress, signal);
  }

  /** Counts a record read (and stops the run here if its signal is aborted). */
  add(bytes: number): void {
    this.signal?.throwIfAborted();
    this.done += bytes;
    if (this.onProgress && ++this.records % 2048 === 0) this.onProgress(this.done, this.total);
  }

  /** Stops the run here if its signal is aborted: for a pass that reads records without counting them (finding where they are). */
  checkStop(): void {
    this.signal?.throwIfAborted();
  }

  finish(): void {
    this.onProgress?.(this.total, this.total);
  }
}

export interface KeyedRecord {
  record: RecordIORecord;
  key: string;
}

/** How RecordKeys.over treats what the rewrites refuse. */
export interface RecordKeysOptions {
  /** Given each .idx entry that names no record start (its position), instead of refusing the .idx. */
  onBadEntry?: (entry: number) => void;
  /** The key of a record with neither an entry nor an image header, instead of refusing it. */
  keyless?: (record: RecordIORecord) => string;
}

/**
 * The keys of one file's records: from the `.idx` beside it, else (no .idx,
 * or no entry for the record) the header id. The .idx is checked against
 * the records as `rec verify` checks it (index-check.ts), as the scan meets
 * them in file order (inFileOrder): an entry that is no record start (past
 * the end, or inside a record) is refused at once, naming the .idx, its
 * line, key and offset, and nothing is written. A rewrite that trusted it
 * keyed records by entries that named other bytes.
 */
export class RecordKeys {
  private readonly check: IndexCheck | null;
  private records = 0;
  /** The .idx entry that named the last record inFileOrder() keyed, or -1 (none: keyed otherwise). */
  lastEntry = -1;

  private constructor(
    readonly index: RecordIndex | null,
    private readonly file: string,
    private readonly options: RecordKeysOptions = {},
  ) {
    // Records without an entry keep their header id (what the check counts as missing is listed nowhere).
    this.check = index && new IndexCheck(index, displayLocation(file), new ProblemList(1), options.onBadEntry ?? 'refuse');
  }

  /** The keys of the records of `recLocation` (path or URL), from the .idx beside it if there is one. */
  static async of(recLocation: string): Promise<RecordKeys> {
    const idxLocation = await siblingIndex(recLocation);
    return new RecordKeys(idxLocation === null ? null : await RecordIndex.read(idxLocation), recLocation);
  }

  /** Keys from `index` (read by the caller; null: header ids only), bad entries and keyless records handled as `options` say. */
  static over(index: RecordIndex | null, recLocation: string, options: RecordKeysOptions): RecordKeys {
    return new RecordKeys(index, recLocation, options);
  }

  /** Records keyed so far that no entry named. */
  get unindexed(): number {
    return this.check ? this.check.unindexed : this.records;
  }

  /** The key of the next record in file order; checks the entries up to it. */
  inFileOrder(record: RecordIORecord): string {
    this.records += 1;
    const entry = (this.lastEntry = this.check ? this.check.record(record.offset) : -1);
    return entry >= 0 ? this.index!.keyAt(entry) : this.headerKey(record);
  }

  /** The scan is over: entries past the last record are refused too. */
  finish(): void {
    this.check?.finish(this.records);
  }

  /** The key of any record once finish() has passed (by lookup: the order need not be the file's). */
  anyOrder(record: RecordIORecord): string {
    return this.index?.keyAtOffset(record.offset) ?? this.headerKey(record);
  }

  private headerKey(record: RecordIORecord): string {
    const image = tryUnpackImageRecord(record.payload);
    if (!image && this.options.keyless) return this.options.keyless(record);
    if (!image) throw new NoImageHeaderError(`${this.file}: byte ${record.offset}: no .idx entry and no image header to take a key from`);
    return String(image.id);
  }
}

/**
 * Visits every record of a file (path or URL), in file order, with its key;
 * a promise `visit` returns is awaited before the next. Payloads are valid
 * until then.
 */
export async function forEachKeyed(recLocation: string, progress: InputProgress | undefined, visit: (keyed: KeyedRecord) => Promise<void> | null | void): Promise<void> {
  const keys = await RecordKeys.of(recLocation);
  const reader = await RecordReader.openAsync(recLocation);
  try {
    await reader.scan({ reuseBuffers: true }).forEach((record) => {
      progress?.add(record.end - record.offset);
      return visit({ record, key: keys.inFileOrder(record) }) ?? undefined;
    });
    keys.finish();
  } finally {
    reader.close();
  }
}

/**
 * An image record's payload with its header id set to `id`, where it lies;
 * other payloads as they are. The payloads written here are the tools' own
 * read memory (a scan with reuseBuffers, or ReusedReads), each written once
 * before the next is read, so no copy is made (one fresh copy per record
 * held three 512 MiB records at once).
 */
function withId(payload: Uint8Array, id: number): Uint8Array {
  if (tryUnpackImageRecord(payload)) setRecordId(payload, id);
  return payload;
}

/**
 * What a target writing insightface's layout keeps: the identity keys, the
 * pass (the first only counts the images by identity), the input whose
 * records come, and the records left out (not images).
 */
class LayoutState {
  counting = true;
  input = 0;
  leftOut = 0;
  readonly keys = new IdentityKeys();

  constructor(readonly inputs: readonly string[]) {}
}

/** One output `.rec` + `.idx`. */
export class RewriteTarget {
  /** The keys written, to count duplicates at the end (a few bytes each; as many as an .idx may hold). */
  private readonly keys: RecordIndex;

  private constructor(
    readonly out: string,
    readonly indexPath: string,
    private readonly writer: RecordWriter,
    private readonly options: RewriteOptions,
    /** Set when the output takes insightface's layout (face-layout.ts): its keys are the layout's. */
    private readonly layout: LayoutState | null,
  ) {
    this.keys = new RecordIndex([], indexPath);
  }

  /** A target; `layoutOf` (the inputs) when the output is to have insightface's layout. */
  static async create(out: string, options: RewriteOptions = {}, layoutOf: readonly string[] | null = null): Promise<RewriteTarget> {
    const indexPath = indexPathFor(out);
    const writer = await RecordWriter.createAsync(out, { indexPath, fsync: options.fsync, overwrite: options.overwrite });
    return new RewriteTarget(out, indexPath, writer, options, layoutOf && new LayoutState(layoutOf));
  }

  /** The records that follow come from input `index` (of a merge): a layout output relabels by input. */
  startInput(index: number): void {
    if (this.layout) this.layout.input = index;
  }

  get records(): number {
    return this.writer.count;
  }

  get bytes(): number {
    return this.writer.position;
  }

  /** Writes one record; a promise returned is to be awaited before the next (an upload behind). */
  write({ record, key }: KeyedRecord): Promise<void> | null {
    if (this.layout) return this.writeLayout(record, this.layout);
    if (this.options.renumber) {
      const id = this.writer.count;
      this.writer.write(withId(record.payload, id), id);
    } else {
      this.keys.add(key, this.writer.write(record.payload, key));
    }
    return this.writer.ready();
  }

  /**
   * An image of a layout output: counted by identity in the first pass;
   * written in the second under its identity's next key (the key is its id
   * too, and its label the output's identity). The input's record 0 and
   * identity records are left out (rebuilt at the end), and so are other
   * records without an image (counted: the summary says so).
   */
  private writeLayout(record: RecordIORecord, layout: LayoutState): Promise<void> | null {
    const image = tryUnpackImageRecord(record.payload);
    if (!image || image.image.length === 0) {
      if (layout.counting && !(image && isLayoutRecord(image))) layout.leftOut += 1;
      return null;
    }
    const label = identityOf(image, () => `${displayLocation(layout.inputs[layout.input]!)}: byte ${record.offset}`);
    if (layout.counting) {
      layout.keys.count(layout.input, label);
      return null;
    }
    const next = layout.keys.next(layout.input, label);
    if (next.label !== label) setFirstLabel(record.payload, next.label);
    setRecordId(record.payload, next.key);
    this.writer.write(record.payload, next.key);
    return this.writer.ready();
  }

  /** Between a layout output's passes: the identities joined, their keys handed out from now on. */
  settleLayout(join: IdentityJoin): void {
    if (!this.layout) return;
    this.layout.keys.settle(join, displayLocation(this.out));
    this.layout.counting = false;
  }

  /** What a layout output holds (null for a plain one). */
  get layoutSummary(): LayoutSummary | null {
    const layout = this.layout;
    if (!layout) return null;
    const { images, identities, offsets } = layout.keys;
    return { images, identities, leftOut: layout.leftOut, ...(offsets && offsets.length > 1 ? { labelOffsets: offsets } : {}) };
  }

  /** The name of each identity label of a layout output whose inputs' identities were joined by name; else null. */
  get identityNames(): ReadonlyMap<number, string> | null {
    return this.layout?.keys.names ?? null;
  }

  /** Keys written more than once (the last record wins on lookup); 0 when renumbered. */
  get duplicateKeys(): number {
    return this.keys.length - this.keys.size;
  }

  async close(): Promise<void> {
    // A layout's record 0 and identity records follow its images, as face2rec2 wrote them.
    if (this.layout && this.writer.count > 0) {
      for (const { key, payload } of this.layout.keys.records()) {
        this.writer.write(payload, key);
        await this.writer.ready();
      }
    }
    return this.writer.closeAsync();
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/** What an output with insightface's layout holds. */
export interface LayoutSummary {
  images: number;
  identities: number;
  /** Records of the inputs left out as no images (besides their record 0 and identity records, which are rebuilt). */
  leftOut: number;
  /** A merge that kept its inputs' identities apart: how far each input's labels moved (the first's: 0). */
  labelOffsets?: number[];
}

export interface RewriteResult {
  out: string;
  indexPath: string;
  records: number;
  bytes: number;
  /** Keys that appear more than once (the last record wins on lookup); 0 when renumbered. */
  duplicateKeys: number;
  /** Set when the output has insightface's layout (because the input had it, or a merge's inputs). */
  layout?: LayoutSummary;
}

/** Writes the records into the targets (in the order the outputs were given). */
export type RewriteFill = (targets: RewriteTarget[], progress: InputProgress) => Promise<void>;

/**
 * Whether the outputs take insightface's layout: when an input has it (its
 * `.idx` and record 0 say so), the outputs are rebuilt as layouts too, so
 * that no stale record 0 or identity record is copied. Renumbering would
 * give key 0 to an image: refused, naming what gives a plain file.
 */
async function layoutOfInputs(inputs: readonly string[], options: RewriteOptions): Promise<boolean> {
  for (const input of inputs) {
    if ((await readLayoutHeader(input)) === null) continue;
    if (options.renumber) {
      throw new UsageError(
        `renumber: ${displayLocation(input)} has insightface's layout, whose keys the rewrite numbers itself (images 1..N by identity, then record 0 and the identity records); rec flatten writes it as a plain file`,
      );
    }
    return true;
  }
  return false;
}

/**
 * Claims the outputs, then runs `fill` over fresh targets: all appear when it
 * returns, none when it throws or writes no record at all (NothingWrittenError
 * with `nothingWritten` as its message). When the outputs take insightface's
 * layout (layoutOfInputs), `fill` runs twice: the first pass counts each
 * output's images by identity, the second writes them under their keys
 * (`join` says how the inputs' identities become the outputs').
 * `companions` are files the caller writes beside the outputs (a label map),
 * claimed with them. `plain` writes plain outputs whatever the inputs (rec
 * flatten). The last `optional` outputs (repair's set-aside images) appear
 * only when they hold records, and do not count as something written.
 */
export async function rewrite(
  outs: readonly string[],
  inputs: readonly string[],
  options: RewriteOptions,
  fill: RewriteFill,
  nothingWritten: string,
  {
    join = 'shared',
    companions = [],
    plain = false,
    optional = 0,
  }: { join?: IdentityJoin; companions?: readonly string[]; plain?: boolean; optional?: number } = {},
): Promise<RewriteResult[]> {
  const required = outs.length - optional;
  const claim = await claimOutputs(outs, [...outs.map(indexPathFor), ...companions], { inputs: inputs.flatMap((f) => [f, indexPathFor(f)]), overwrite: options.overwrite });
  const targets: RewriteTarget[] = [];
  try {
    try {
      const layout = !plain && (await layoutOfInputs(inputs, options));
      for (const out of outs) targets.push(await RewriteTarget.create(out, options, layout ? inputs : null));
      const progress = await InputProgress.of(inputs, options.onProgress, options.signal, layout ? 2 : 1);
      if (layout) {
        await fill(targets, progress);
        for (const t of targets) t.settleLayout(join);
      }
      await fill(targets, progress);
      progress.finish();
      if (targets.slice(0, required).every((t) => t.records === 0)) throw new NothingWrittenError(`${nothingWritten}; nothing written`);
      options.signal?.throwIfAborted(); // a stop that came during the last records: nothing is published
    } catch (err) {
      await Promise.all(targets.map((t) => t.abort()));
      throw err;
    }
    for (const [i, t] of targets.entries()) await (i >= required && t.records === 0 ? t.abort() : t.close());
  } finally {
    claim.release();
  }
  return targets.map((t) => {
    const result: RewriteResult = { out: t.out, indexPath: t.indexPath, records: t.records, bytes: t.bytes, duplicateKeys: t.duplicateKeys };
    const layout = t.layoutSummary;
    if (layout) result.layout = layout;
    return result;
  });
}

/**
 * im2rec's resumable output. Until a pack is complete its records go to
 * OUT.rec.partial, and OUT.rec.partial.jsonl keeps what a later `--resume`
 * needs to be sure it continues the same work:
 *
 *   line 1   the settings note: list (path and SHA-256 of its bytes), root,
 *            dialect, image settings, label packing, part;
 *   then     one line per image packed, `[list index, size, mtime in ns]`,
 *            appended before the image's record is written, in list order.
 *
 * Resuming reads the records and the journal side by side: it continues
 * after the last complete record whose image is as it was (same size and
 * mtime, by stat: cheap next to packing). It refuses when the note differs
 * (another list, an edited list, other settings) or a packed image changed,
 * naming what changed; a record with no journal line (not yet on disk when
 * the run stopped) is redone, as is a record cut short.
 *
 * Both files are created exclusively and never opened through a link, and
 * the run's lock (OUT.rec.lock) keeps a second run away from them. A run
 * without `--resume` does not drop them silently: it is refused, or with
 * `overwrite` (--force) says that it starts over.
 */
import fs from 'node:fs';
import { RecordIOError } from '../format/errors.js';
import { parseRecordId, type RecordId, tryUnpackImageRecord } from '../format/image-record.js';
import { RecordReader } from '../format/reader.js';
import { RecordWriter } from '../format/writer.js';
import { CREATE_NEW, nameTaken, openExisting } from '../io/atomic-file.js';
import { MAX_JOURNAL_LINE } from '../io/limits.js';
import type { ListItem } from '../format/list-file.js';
import { MxrecError } from '../util/errors.js';

/** Where im2rec puts the records until the pack is complete, and the journal that lets it resume them. */
export function partialPaths(output: string): { partial: string; journal: string } {
  return { partial: `${output}.partial`, journal: `${output}.partial.jsonl` };
}

/** A partial output that cannot be resumed, or one that a run without --resume would drop. */
export class ResumeError extends MxrecError {
  override readonly name = 'ResumeError';
  readonly kind = 'usage';
}

/** What an image file was when it was packed. */
export interface SourceStamp {
  size: number;
  mtimeNs: bigint;
}

export interface ResumePoint {
  /** Bytes of whole, verified records in the partial file. */
  size: number;
  entries: { key: RecordId; offset: number }[];
  /** List items dealt with by the earlier run. */
  done: number;
  /** Items the earlier run passed over without a record. */
  skipped: ListItem[];
  /** The list items still to do, in order. */
  rest: Iterator<ListItem>;
}

/** The partial file (or, failing that, its journal) an interrupted run left for `output`, or null when there is none. */
export function leftoverPartial(output: string): string | null {
  const { partial, journal } = partialPaths(output);
  return nameTaken(partial) ? partial : nameTaken(journal) ? journal : null;
}

/** Refuses to drop an earlier run's partial output unless resuming it or starting over on purpose. */
export function assertPartialHandled(output: string, resume: boolean, overwrite: boolean): void {
  const found = leftoverPartial(output);
  if (found && !resume && !overwrite) {
    throw new ResumeError(`${found}: an interrupted run's output is here; --resume continues it, --force starts over`);
  }
}

/** Reads the journal line by line from the start, knowing the byte where each line ends. */
class JournalLines {
  private buffer = Buffer.alloc(1 << 16);
  private start = 0;
  private end = 0;
  /** File offset of buffer[0]. */
  private base = 0;

  constructor(private readonly fd: number) {}

  /** The next complete line and the offset just past it, or null at the end (a cut last line is not one). */
  next(): { text: string; end: number } | null {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a, this.start);
      if (nl >= 0 && nl < this.end) {
        const text = this.buffer.toString('utf8', this.start, nl);
        this.start = nl + 1;
        return { text, end: this.base + this.start };
      }
      // Keep the unfinished line, grow if it fills the buffer, then read on.
      this.buffer.copy(this.buffer, 0, this.start, this.end);
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
      if (this.end === this.buffer.length) {
        if (this.end >= MAX_JOURNAL_LINE) return null;
        this.buffer = Buffer.concat([this.buffer, Buffer.alloc(this.buffer.length)]);
      }
      const n = fs.readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, this.base + this.end);
      if (n === 0) return null;
      this.end += n;
    }
  }
}

function describeChange(was: SourceStamp, now: fs.BigIntStats): string {
  return BigInt(was.size) !== now.size ? `size ${was.size} → ${now.size} bytes` : 'same size, another modification time';
}

function openForResume(file: string, flags: number): number {
  try {
    return openExisting(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ResumeError(`${file}: missing, so the partial output cannot be resumed; --force starts over`);
    if (code === 'ELOOP' || code === 'EINVAL' || code === 'EISDIR') {
      throw new ResumeError(`${file}: not a regular file (a link?), so not im2rec's; remove it, or --force starts over`);
    }
    throw err;
  }
}

/** Where a pack writes: a resumable partial file (local), or uploads to a bucket. */
export interface PackOutput {
  readonly writer: RecordWriter;
  /** Where the records stay when the pack stops early; null when nothing is kept (a bucket). */
  readonly partialPath: string | null;
  noteSources(sources: readonly { index: RecordId; stamp: SourceStamp }[]): void;
  /** Publishes OUT.rec and OUT.idx. */
  complete(): void | Promise<void>;
  /** Stops early, keeping what can be continued. */
  suspend(): void | Promise<void>;
  /** Drops everything. */
  discard(): void | Promise<void>;
}

/**
 * An s3:// pack's output: records stream into the uploads of OUT.rec and
 * OUT.idx, completed by complete(). A bucket has no partial objects to
 * continue, so stopping early cancels the uploads: nothing is kept.
 */
export class UploadOutput implements PackOutput {
  readonly partialPath = null;
  private constructor(readonly writer: RecordWriter) {}

  static async create(output: string, indexPath: string, o: { fsync?: boolean; overwrite?: boolean }): Promise<UploadOutput> {
    return new UploadOutput(await RecordWriter.createAsync(output, { indexPath, fsync: o.fsync, overwrite: o.overwrite }));
  }

  noteSources(): void {}

  complete(): Promise<void> {
    return this.writer.closeAsync();
  }

  suspend(): Promise<void> {
    return this.writer.abort();
  }

  discard(): Promise<void> {
    return this.writer.abort();
  }
}

/**
 * A local pack's output: OUT.rec.partial with its writer, and the journal of
 * the images in it. Start with create() (a new pack) or resume() (continue one).
 */
export class PartialFileOutput implements PackOutput {
  private constructor(
    readonly paths: { partial: string; journal: string },
    readonly writer: RecordWriter,
    private journalFd: number | null,
  ) {}

  get partialPath(): string {
    return this.paths.partial;
  }

  /**
   * Starts a new pack. An earlier partial output is removed first, links
   * included (never followed); `onReplace` is told so.
   */
  static create(output: string, indexPath: string, note: string, o: { fsync?: boolean; overwrite?: boolean; onReplace?: (found: string) => void }): PartialFileOutput {
    const paths = partialPaths(output);
    const found = leftoverPartial(output);
    if (found) {
      o.onReplace?.(found);
      for (const p of Object.values(paths)) fs.rmSync(p, { force: true });
    }
    const journalFd = fs.openSync(paths.journal, CREATE_NEW | fs.constants.O_APPEND, 0o666);
    try {
      fs.writeSync(journalFd, `${note}\n`);
      const writer = RecordWriter.create(output, { indexPath, tempPath: paths.partial, fsync: o.fsync, overwrite: o.overwrite });
      return new PartialFileOutput(paths, writer, journalFd);
    } catch (err) {
      fs.closeSync(journalFd);
      fs.rmSync(paths.journal, { force: true });
      throw err;
    }
  }

  /**
   * Continues an earlier run's pack of the same list with the same settings
   * (`note`): finds its last complete record whose image is unchanged, and
   * takes the list items it dealt with from `items`.
   */
  static resume(
    output: string,
    indexPath: string,
    note: string,
    items: Iterator<ListItem>,
    pathOf: (rel: string) => string,
    o: { fsync?: boolean; overwrite?: boolean },
  ): { output: PartialFileOutput; start: ResumePoint } {
    const paths = partialPaths(output);
    const journalFd = openForResume(paths.journal, fs.constants.O_RDWR | fs.constants.O_APPEND);
    try {
      const lines = new JournalLines(journalFd);
      const first = lines.next();
      if (first?.text !== note) {
        throw new ResumeError(`${paths.partial}: was made from another list or other settings (or the list was edited); --force starts over`);
      }
      fs.closeSync(openForResume(paths.partial, fs.constants.O_RDONLY)); // a regular file, not a link
      const start = findResumePoint(paths.partial, items, lines, first.end, pathOf);
      // Lines past the last verified record describe records that are redone; they are written again.
      fs.ftruncateSync(journalFd, start.journalEnd);
      const writer = RecordWriter.create(output, {
        indexPath,
        tempPath: paths.partial,
        fsync: o.fsync,
        overwrite: o.overwrite,
        resume: { size: start.size, entries: start.entries },
      });
      return { output: new PartialFileOutput(paths, writer, journalFd), start };
    } catch (err) {
      fs.closeSync(journalFd);
      throw err;
    }
  }

  /** Notes the images of the records about to be written (before they are, so no record lacks its line). */
  noteSources(sources: readonly { index: RecordId; stamp: SourceStamp }[]): void {
    if (this.journalFd === null || sources.length === 0) return;
    // An index from 2^53 is written as a string: JSON.parse would round it as a number.
    const line = ({ index, stamp }: { index: RecordId; stamp: SourceStamp }) =>
      `${JSON.stringify([typeof index === 'bigint' ? String(index) : index, stamp.size, String(stamp.mtimeNs)])}\n`;
    fs.writeSync(this.journalFd, sources.map(line).join(''));
  }

  private closeJournal(): void {
    if (this.journalFd !== null) fs.closeSync(this.journalFd);
    this.journalFd = null;
  }

  /** Publishes OUT.rec and OUT.idx; the journal goes. */
  complete(): void {
    this.writer.close();
    this.closeJournal();
    fs.rmSync(this.paths.journal, { force: true });
  }

  /** Stops, keeping the records and journal for a later --resume. */
  suspend(): void {
    try {
      this.writer.suspend();
    } finally {
      this.closeJournal();
    }
  }

  /** Drops everything: the partial file and the journal. */
  discard(): void {
    this.writer.abort();
    this.closeJournal();
    fs.rmSync(this.paths.journal, { force: true });
  }
}

function* chain(first: readonly ListItem[], rest: Iterator<ListItem>): Generator<ListItem> {
  yield* first;
  for (let r = rest.next(); !r.done; r = rest.next()) yield r.value;
}

/** Walks the partial's records and the journal together; see the file comment. */
function findResumePoint(
  partial: string,
  items: Iterator<ListItem>,
  lines: JournalLines,
  noteEnd: number,
  pathOf: (rel: string) => string,
): ResumePoint & { journalEnd: number } {
  const point = { size: 0, entries: [] as ResumePoint['entries'], done: 0, skipped: [] as ListItem[] };
  let journalEnd = noteEnd;
  let redo: ListItem[] = [];
  const reader = RecordReader.open(partial);
  try {
    for (const record of reader.scan({ reuseBuffers: true })) {
      const image = tryUnpackImageRecord(record.payload);
      const passed: ListItem[] = [];
      let item: ListItem | null = null;
      for (let next = items.next(); image && !next.done; next = items.next()) {
        if (next.value.index === image.id) {
          item = next.value;
          break;
        }
        passed.push(next.value);
      }
      if (!item) throw new ResumeError(`${partial}: byte ${record.offset}: record does not follow the list; --force starts over`);
      const line = lines.next();
      const [index, size, mtimeNs] = line ? parseSourceLine(line.text) : [];
      if (!line || index !== item.index) {
        redo = [...passed, item]; // its journal line never reached the disk: done again
        break;
      }
      const file = pathOf(item.path);
      const now = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
      if (!now) throw new ResumeError(`${file}: packed into ${partial}, and gone since; --force starts over`);
      const was = { size: size!, mtimeNs: BigInt(mtimeNs!) };
      if (now.size !== BigInt(was.size) || now.mtimeNs !== was.mtimeNs) {
        throw new ResumeError(`${file}: changed since it was packed into ${partial} (${describeChange(was, now)}); --force starts over`);
      }
      journalEnd = line.end;
      point.skipped.push(...passed);
      point.done += passed.length + 1;
      point.entries.push({ key: item.index, offset: record.offset });
      point.size = record.end;
    }
  } catch (err) {
    // A record cut short by the interruption ends the usable part; it is written again.
    if (!(err instanceof RecordIOError)) throw err;
  } finally {
    reader.close();
  }
  return { ...point, rest: chain(redo, items), journalEnd };
}

/** `[index, size, mtimeNs]`, or an empty array for a line that is not one (cut short when the run stopped). */
function parseSourceLine(text: string): [RecordId, number, string] | [] {
  try {
    const v = JSON.parse(text) as unknown[];
    const ok = Array.isArray(v) && v.length === 3 && Number.isSafeInteger(v[1]) && typeof v[2] === 'string' && /^\d+$/.test(v[2]);
    const index = !ok ? null : typeof v[0] === 'string' ? parseRecordId(v[0]) : Number.isSafeInteger(v[0]) ? (v[0] as number) : null;
    return index === null ? [] : [index, v[1] as number, v[2] as string];
  } catch {
    return [];
  }
}

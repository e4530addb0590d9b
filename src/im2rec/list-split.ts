/**
 * `nsplit=N part=I` (and `--parts N --part I`): the slice of an image list
 * that im2rec.cc packs, computed as dmlc-core's `InputSplit` of type "text"
 * computes it, so a part here holds exactly the lines MXNet's part holds.
 *
 * dmlc's rule (src/io/input_split_base.cc, ResetPartition + LineSplitter):
 * step = ceil(size / N); part I covers bytes [I*step, (I+1)*step) clipped to
 * the file. Each end that is not the start of the file is then moved forward
 * past the next end of line ('\n' or '\r') and any further end-of-line bytes.
 * So a line belongs to the part whose byte range holds the byte just before
 * it, and the first line to part 0.
 */
import crypto from 'node:crypto';
import { displayLocation } from '../io/display-name.js';
import { readWhole, readWholeSync } from '../io/locations.js';
import { MAX_LIST_BYTES } from '../io/limits.js';
import { CR, type ListDialect, type ListItem, ListFileError, NL, listLines, parseListLine } from '../format/list-file.js';
import { UsageError } from '../util/errors.js';
import { looksBinary, whatItLooksLike } from '../format/errors.js';

/** A file given as an image list that is not text (a .rec, an image): said as such, not printed. */
export class NotAListError extends UsageError {
  override readonly name = 'NotAListError';
}


/** Where dmlc moves a part boundary at `pos`: past the next line end and the blank lines after it. */
function nextLineStart(bytes: Uint8Array, pos: number): number {
  let p = pos;
  while (p < bytes.length && bytes[p] !== NL && bytes[p] !== CR) p++;
  while (p < bytes.length && (bytes[p] === NL || bytes[p] === CR)) p++;
  return p;
}

/** The byte range [begin, end) of part `part` of `parts`. */
export function listPartRange(bytes: Uint8Array, parts: number, part: number): { begin: number; end: number } {
  if (!Number.isInteger(parts) || parts < 1) throw new UsageError(`expected the number of parts as an integer >= 1, received ${parts}`);
  if (!Number.isInteger(part) || part < 0 || part >= parts) {
    throw new UsageError(`expected the part as an integer in 0..${parts - 1}, received ${part}`);
  }
  const size = bytes.length;
  const step = Math.ceil(size / parts);
  let begin = Math.min(step * part, size);
  let end = Math.min(step * (part + 1), size);
  if (begin === end) return { begin, end };
  if (end !== size) end = nextLineStart(bytes, end);
  if (begin !== 0) begin = nextLineStart(bytes, begin);
  return { begin, end: Math.max(begin, end) };
}

/** 1-based line number of byte `pos` (counting '\n', '\r\n' and '\r' line ends). */
export function lineNumberAt(bytes: Uint8Array, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos; i++) {
    if (bytes[i] === NL || (bytes[i] === CR && bytes[i + 1] !== NL)) line++;
  }
  return line;
}

/**
 * One part of a list file (all of it without `parts`), read lazily: the
 * list's bytes stay in memory, its items are parsed as they are taken, so a
 * million-line list costs its size in bytes, not a million objects. Opening
 * it parses every line once to count them and to report a malformed line
 * before any work starts.
 */
export class ListPart implements Iterable<ListItem> {
  private constructor(
    private readonly bytes: Buffer,
    private readonly begin: number,
    private readonly end: number,
    private readonly firstLine: number,
    private readonly dialect: ListDialect,
    readonly file: string,
    /** Items (non-blank lines) in the part. */
    readonly total: number,
  ) {}

  static open(file: string, dialect: ListDialect, parts?: { count: number; index: number }): ListPart {
    return ListPart.of(file, readWholeSync(file, MAX_LIST_BYTES, 'an image list'), dialect, parts);
  }

  /**
   * open() for a path or URL (read whole, up to MAX_LIST_BYTES); `check`
   * refuses an item before any work starts (a path that must stay under ROOT).
   */
  static async read(location: string, dialect: ListDialect, parts?: { count: number; index: number }, check?: (item: ListItem, file: string) => void): Promise<ListPart> {
    const bytes = await readWhole(location, MAX_LIST_BYTES, 'an image list');
    return ListPart.of(displayLocation(location), bytes, dialect, parts, check);
  }

  private static of(file: string, bytes: Buffer, dialect: ListDialect, parts?: { count: number; index: number }, check?: (item: ListItem, file: string) => void): ListPart {
    if (looksBinary(bytes)) throw new NotAListError(`${file}: expected an image list (text), received a file that ${whatItLooksLike(bytes)}`);
    const { begin, end } = parts ? listPartRange(bytes, parts.count, parts.index) : { begin: 0, end: bytes.length };
    const firstLine = begin === 0 ? 1 : lineNumberAt(bytes, begin);
    let total = 0;
    for (const { text, line } of listLines(bytes, begin, end, firstLine, file)) {
      const item = parseListLine(text, dialect, file, line);
      check?.(item, file);
      total++;
    }
    return new ListPart(bytes, begin, end, firstLine, dialect, file, total);
  }

  /** SHA-256 of the whole list file's bytes (hex): what a resumed pack checks it continues. */
  sha256(): string {
    return crypto.createHash('sha256').update(this.bytes).digest('hex');
  }

  *[Symbol.iterator](): Iterator<ListItem> {
    for (const { text, line } of listLines(this.bytes, this.begin, this.end, this.firstLine, this.file)) {
      yield parseListLine(text, this.dialect, this.file, line);
    }
  }

  /**
   * The items grouped by identity, for insightface's layout: by first label
   * (a whole number >= 0, else a ListFileError naming the line), labels
   * ascending, list order within a label. The order costs 24 bytes an item
   * (where its line starts, its line number and label); the items are parsed
   * again as they are taken.
   */
  *byIdentity(): Generator<ListItem> {
    const starts = new Float64Array(this.total);
    const lines = new Uint32Array(this.total);
    const labels = new Float64Array(this.total);
    let i = 0;
    for (const { text, line, start } of listLines(this.bytes, this.begin, this.end, this.firstLine, this.file)) {
      const label = parseListLine(text, this.dialect, this.file, line).labels[0]!;
      if (!Number.isInteger(label) || label < 0) {
        throw new ListFileError(this.file, line, `expected an identity label (a whole number >= 0) for insightface's layout, received ${label}`);
      }
      [starts[i], lines[i], labels[i]] = [start, line, label];
      i++;
    }
    const order = Uint32Array.from({ length: i }, (_, k) => k).sort((a, b) => labels[a]! - labels[b]! || a - b);
    for (const k of order) {
      // The line runs from its start to the next line end (the part's end at the latest).
      const start = starts[k]!;
      let end = start;
      while (end < this.end && this.bytes[end] !== NL && this.bytes[end] !== CR) end++;
      yield parseListLine(this.bytes.toString('utf8', start, end), this.dialect, this.file, lines[k]!);
    }
  }
}

/** All items of one part of a list file, parsed. */
export function readListPart(file: string, dialect: ListDialect, parts?: { count: number; index: number }): ListItem[] {
  return [...ListPart.open(file, dialect, parts)];
}

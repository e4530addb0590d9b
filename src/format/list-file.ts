/**
 * Image lists (`.lst`): one image per line, `index \t label[ \t label...] \t path`.
 *
 * Two dialects, because MXNet's two tools read them differently:
 * - `tab` (im2rec.py): fields split on TAB only, so paths may hold spaces;
 *   the labels are every field between the first and the last.
 * - `whitespace` (im2rec.cc and ImageRecordIter): index and exactly
 *   `labelWidth` labels split on any whitespace; the rest of the line is the path.
 * Unlike MXNet, which skips (py) or silently drops (cc) a line it cannot
 * parse, a malformed line is an error naming the file and line.
 */

import { parseRecordId, type RecordId } from './image-record.js';
import { LimitError, MAX_LINE, MAX_PATH_BYTES } from '../io/limits.js';
import { relativeNameProblem } from '../io/names.js';
import { MxrecError, hasControl, quoted } from '../util/errors.js';

export interface ListItem {
  /** The image index: the record's header id and its `.idx` key (a u64: a bigint from 2^53). */
  index: RecordId;
  labels: number[];
  /** As written in the list; relative to the image root unless absolute. */
  path: string;
  /** 1-based line number in the list, for messages. */
  line: number;
}

export type ListDialect =
  | { kind: 'tab' }
  /** `pathOptional`: ImageRecordIter reads only the index and labels, so a line may stop there. */
  | { kind: 'whitespace'; labelWidth: number; pathOptional?: boolean };

export class ListFileError extends MxrecError {
  override readonly name = 'ListFileError';
  readonly kind = 'data';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

// What Python's float() and C++'s >> accept, short of hex floats: 1, -2.5, 1e3, .5, nan, inf.
export const NUMBER = /^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|nan|inf(inity)?)$/i;

/** The index as Python's int() and C++'s >> read it (a leading + allowed), within the header's u64. */
function parseIndex(text: string, fail: (reason: string) => never): RecordId {
  const id = parseRecordId(text.startsWith('+') ? text.slice(1) : text);
  return id ?? fail(`expected the image index (an integer in 0..2^64-1) first, received ${quoted(text)}`);
}

function parseLabel(text: string, fail: (reason: string) => never, hint = ''): number {
  if (!NUMBER.test(text)) fail(`expected a numeric label, received ${quoted(text)}${hint}`);
  return Number(text.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity').replace(/^[+-]?nan$/i, 'NaN'));
}

function checkPathLength(path: string, fail: (reason: string) => never): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most paths need no count.
  if (path.length * 3 > MAX_PATH_BYTES && Buffer.byteLength(path) > MAX_PATH_BYTES) {
    fail(`expected an image path of at most ${MAX_PATH_BYTES} bytes, received ${Buffer.byteLength(path)}: ${quoted(path, 60)}`);
  }
}

/** Parses one non-blank line; throws ListFileError. */
export function parseListLine(text: string, dialect: ListDialect, file: string, line: number): ListItem {
  const fail = (reason: string): never => {
    throw new ListFileError(file, line, reason);
  };
  if (dialect.kind === 'tab') {
    const fields = text.trim().split('\t').map((f) => f.trim());
    if (fields.length < 3) {
      fail(`expected "index<TAB>label<TAB>path" (at least 3 TAB-separated fields), received ${fields.length}: ${quoted(text)}`);
    }
    const path = fields[fields.length - 1]!;
    if (path === '') fail('expected an image path as the last field, received an empty one');
    checkPathLength(path, fail);
    return {
      index: parseIndex(fields[0]!, fail),
      labels: fields.slice(1, -1).map((f) => parseLabel(f, fail)),
      path,
      line,
    };
  }
  const want = dialect.labelWidth;
  const re = /\S+/g;
  const take = (what: string): string => {
    const m = re.exec(text);
    if (!m) fail(`expected ${what}; the line has too few fields for label_width=${want}: ${quoted(text)}`);
    return m![0];
  };
  const index = parseIndex(take('the image index'), fail);
  const labels: number[] = [];
  for (let k = 0; k < want; k++) labels.push(parseLabel(take(`label ${k + 1} of ${want}`), fail, ` as label ${k + 1} of ${want} (is label_width=${want} right?)`));
  // The rest is the path, spaces included, as im2rec.cc reads it.
  const path = text.slice(re.lastIndex).trim();
  if (path === '' && !dialect.pathOptional) fail(`expected an image path after ${want} label(s), received nothing`);
  checkPathLength(path, fail);
  return { index, labels, path, line };
}

export const NL = 0x0a;
export const CR = 0x0d;

/**
 * Non-blank lines of bytes[begin, end), with their line numbers ('\n', '\r\n'
 * and '\r' end a line). A line longer than MAX_LINE is no list's: refused,
 * as text-lines.ts refuses it, before it becomes a string.
 */
export function* listLines(bytes: Buffer, begin: number, end: number, firstLine: number, file = 'the list'): Generator<{ text: string; line: number; start: number }> {
  let line = firstLine;
  let start = begin;
  for (let i = begin; i <= end; i++) {
    if (i < end && bytes[i] !== NL && bytes[i] !== CR) continue;
    if (i - start > MAX_LINE) throw new LimitError(`${file}:${line}: a line longer than ${MAX_LINE} bytes; not a text file of this kind`);
    const text = bytes.toString('utf8', start, i);
    if (text.trim() !== '') yield { text, line, start };
    if (i < end && bytes[i] === CR && bytes[i + 1] === NL && i + 1 < end) i++;
    start = i + 1;
    line++;
  }
}

/** Parses a whole list; blank lines are skipped. */
export function parseList(text: string, dialect: ListDialect, file: string, firstLine = 1): ListItem[] {
  const bytes = Buffer.from(text);
  return [...listLines(bytes, 0, bytes.length, firstLine, file)].map(({ text: line, line: n }) => parseListLine(line, dialect, file, n));
}

/** Python's `'%f' % x`: six decimals, as MXNet 1.x's im2rec.py writes labels. */
function pyFixed(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x.toFixed(6);
}

/** One `.lst` line as im2rec.py writes it: `index\tlabel...\tpath\n`. */
export function formatListLine(item: Pick<ListItem, 'index' | 'labels' | 'path'>): string {
  let line = `${item.index}\t`;
  for (const label of item.labels) line += `${pyFixed(label)}\t`;
  return `${line}${item.path}\n`;
}

/**
 * Why `name` cannot be a path im2rec --list writes, or null: the line must
 * read back as the same name under ROOT. So no control character (a line
 * break would start a record of its own, a tab would end the path), no white
 * space at either end (readers trim the field), and a plain relative name.
 */
export function listNameProblem(name: string): string | null {
  if (hasControl(name)) return 'holds a control character (a line break or tab would split the list line)';
  if (name !== name.trim()) return 'begins or ends with white space, which list readers trim';
  return relativeNameProblem(name);
}

/** The ListFileError for a path that cannot be read under its ROOT (a bucket or URL ROOT takes plain relative names only). */
export function notUnderRoot(item: ListItem, file: string, problem: string): ListFileError {
  return new ListFileError(file, item.line, `expected an image path under ROOT (ROOT is a URL, so a path must be a plain relative name), received ${quoted(item.path)}: it ${problem}`);
}

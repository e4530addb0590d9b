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
import fs from 'node:fs';
import { type ListDialect, type ListItem, parseList } from './list-file.js';

const NL = 0x0a;
const CR = 0x0d;

/** Where dmlc moves a part boundary at `pos`: past the next line end and the blank lines after it. */
function nextLineStart(bytes: Uint8Array, pos: number): number {
  let p = pos;
  while (p < bytes.length && bytes[p] !== NL && bytes[p] !== CR) p++;
  while (p < bytes.length && (bytes[p] === NL || bytes[p] === CR)) p++;
  return p;
}

/** The byte range [begin, end) of part `part` of `parts`. */
export function listPartRange(bytes: Uint8Array, parts: number, part: number): { begin: number; end: number } {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`expected the number of parts as an integer >= 1, received ${parts}`);
  if (!Number.isInteger(part) || part < 0 || part >= parts) {
    throw new RangeError(`expected the part as an integer in 0..${parts - 1}, received ${part}`);
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

/** The items of one part of a list file (all of it without `parts`), with their line numbers. */
export function readListPart(
  file: string,
  dialect: ListDialect,
  parts?: { count: number; index: number },
): ListItem[] {
  const bytes = fs.readFileSync(file);
  const { begin, end } = parts ? listPartRange(bytes, parts.count, parts.index) : { begin: 0, end: bytes.length };
  const text = bytes.subarray(begin, end).toString('utf8');
  return parseList(text, dialect, file, begin === 0 ? 1 : lineNumberAt(bytes, begin));
}

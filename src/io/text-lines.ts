/**
 * Text files (`.idx`, image lists) read a piece at a time, from a path or a
 * URL (through the same bounded range reads as `.rec` files), and handed out
 * line by line as bytes: no file is ever held whole, as one string or one
 * buffer. A file larger than `maxBytes` is refused before it is read, and a
 * line longer than MAX_LINE (not a line of a text file these tools read) is
 * an error, so memory stays at one piece plus one line.
 */
import { type ByteSource, FileSource } from './byte-source.js';
import type { HttpOptions } from './http-source.js';
import { LimitError } from './limits.js';
import { openLocation } from './locations.js';

/** Bytes read at a time. */
const PIECE = 1 << 20;
/** The longest line accepted. */
export const MAX_LINE = 1 << 20;

/** Gets each line's bytes, `bytes[start, end)`, without its line end; `line` is 1-based. */
export type LineHandler = (bytes: Buffer, start: number, end: number, line: number) => void;

/**
 * Splits pieces of a file into lines: '\n', '\r\n' and a lone '\r' each end
 * one (as MXNet's readers and Python's universal newlines do).
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private line = 1;
  /** The last piece ended with '\r': a '\n' starting the next belongs to it. */
  private afterCR = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly name: string,
  ) {}

  push(piece: Buffer): void {
    if (!this.afterCR && this.carry.length === 0 && piece.indexOf(0x0d) < 0) return this.pushLF(piece);
    let start = 0;
    if (this.afterCR && piece.length > 0) {
      if (piece[0] === 0x0a) start = 1;
      this.afterCR = false;
    }
    let bytes = piece;
    if (this.carry.length > 0) {
      bytes = Buffer.concat([this.carry, piece.subarray(start)]);
      start = 0;
    }
    let from = start;
    for (let i = start; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b !== 0x0a && b !== 0x0d) continue;
      this.onLine(bytes, from, i, this.line++);
      if (b === 0x0d) {
        if (i + 1 === bytes.length) this.afterCR = true;
        else if (bytes[i + 1] === 0x0a) i++;
      }
      from = i + 1;
    }
    if (bytes.length - from > MAX_LINE) throw new LimitError(`${this.name}:${this.line}: a line longer than ${MAX_LINE} bytes; not a text file of this kind`);
    this.carry = Buffer.from(bytes.subarray(from));
  }

  /** The common case, a piece with no '\r' and nothing carried: lines found by memchr. */
  private pushLF(piece: Buffer): void {
    let from = 0;
    for (let nl = piece.indexOf(0x0a); nl >= 0; nl = piece.indexOf(0x0a, from)) {
      this.onLine(piece, from, nl, this.line++);
      from = nl + 1;
    }
    if (piece.length - from > MAX_LINE) throw new LimitError(`${this.name}:${this.line}: a line longer than ${MAX_LINE} bytes; not a text file of this kind`);
    this.carry = Buffer.from(piece.subarray(from));
  }

  /** The end of the file: a last line without a line end. */
  end(): void {
    if (this.carry.length > 0) this.onLine(this.carry, 0, this.carry.length, this.line++);
    this.carry = Buffer.alloc(0);
  }
}

export interface ReadLinesOptions {
  /** Refuse a larger file, before reading it. */
  maxBytes: number;
  /** What the cap is called, for the message (the option that raises it). */
  maxBytesOption: string;
  http?: HttpOptions;
}

function checkSize(source: ByteSource, options: ReadLinesOptions): void {
  if (source.size > options.maxBytes) {
    throw new LimitError(`${source.name}: ${source.size} bytes, more than the ${options.maxBytes} read at most (${options.maxBytesOption})`);
  }
}

/** Reads a local or remote text file line by line. */
export async function readLines(location: string, onLine: LineHandler, options: ReadLinesOptions): Promise<void> {
  const source = await openLocation(location, options.http);
  try {
    checkSize(source, options);
    const splitter = new LineSplitter(onLine, source.name);
    const piece = Buffer.allocUnsafe(Math.min(PIECE, Math.max(source.size, 1)));
    for (let position = 0; position < source.size; ) {
      const n = await source.read(piece, 0, piece.length, position);
      if (n === 0) break;
      splitter.push(piece.subarray(0, n));
      position += n;
    }
    splitter.end();
  } finally {
    source.close();
  }
}

/** Reads a local text file line by line, synchronously. */
export function readLinesSync(path: string, onLine: LineHandler, options: Omit<ReadLinesOptions, 'http'>): void {
  const source = FileSource.open(path);
  try {
    checkSize(source, options);
    const splitter = new LineSplitter(onLine, source.name);
    const piece = Buffer.allocUnsafe(Math.min(PIECE, Math.max(source.size, 1)));
    for (let position = 0; ; ) {
      const n = source.readSync(piece, 0, piece.length, position);
      if (n === 0) break;
      splitter.push(piece.subarray(0, n));
      position += n;
    }
    splitter.end();
  } finally {
    source.close();
  }
}

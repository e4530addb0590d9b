/**
 * Text files (`.idx`, image lists) read a piece at a time, from a path or a
 * URL (through the same bounded range reads as `.rec` files), and handed out
 * line by line as bytes: no file is ever held whole, as one string or one
 * buffer. A file larger than `maxBytes` is refused before it is read, and a
 * line longer than MAX_LINE (not a line of a text file these tools read) is
 * an error, so memory stays at one piece plus one line.
 */
import { type ByteSource, FileSource } from './byte-source.js';
import type { RemoteOptions } from './store.js';
import { LimitError, MAX_LINE } from './limits.js';
import { storeOf } from './locations.js';

/** Bytes read at a time. */
const PIECE = 1 << 20;

/** Gets each line's bytes, `bytes[start, end)`, without its line end; `line` is 1-based. */
export type LineHandler = (bytes: Buffer, start: number, end: number, line: number) => void;

/**
 * Splits pieces of a file into lines: '\n', '\r\n' and a lone '\r' each end
 * one (as MXNet's readers and Python's universal newlines do).
 */
export class LineSplitter {
  /** The start of a line that the last piece ended in the middle of. */
  private carry: Buffer = Buffer.alloc(0);
  private line = 1;
  /** The last piece ended with '\r': a '\n' starting the next belongs to it. */
  private afterCR = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly name: string,
  ) {}

  push(piece: Buffer): void {
    if (piece.length === 0) return;
    let from = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (piece[0] === 0x0a) from = 1;
    }
    // Lines are found by memchr (indexOf) unless the piece holds a '\r' at all.
    const crlf = piece.indexOf(0x0d, from) >= 0;
    for (;;) {
      const end = crlf ? lineEnd(piece, from) : piece.indexOf(0x0a, from);
      if (end < 0) break;
      if (this.carry.length > 0) {
        const line = Buffer.concat([this.carry, piece.subarray(from, end)]);
        this.carry = Buffer.alloc(0);
        if (line.length > MAX_LINE) this.tooLong();
        this.onLine(line, 0, line.length, this.line++);
      } else {
        this.onLine(piece, from, end, this.line++);
      }
      from = end + 1;
      if (piece[end] === 0x0d) {
        if (from === piece.length) this.afterCR = true;
        else if (piece[from] === 0x0a) from += 1;
      }
    }
    const rest = piece.subarray(from);
    this.carry = this.carry.length > 0 ? Buffer.concat([this.carry, rest]) : Buffer.from(rest);
    if (this.carry.length > MAX_LINE) this.tooLong();
  }

  private tooLong(): never {
    throw new LimitError(`${this.name}:${this.line}: a line longer than ${MAX_LINE} bytes; not a text file of this kind`);
  }

  /** The end of the file: a last line without a line end. */
  end(): void {
    if (this.carry.length > 0) this.onLine(this.carry, 0, this.carry.length, this.line++);
    this.carry = Buffer.alloc(0);
  }
}

/** Where the next '\n' or '\r' is, or -1. */
function lineEnd(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length; i++) if (bytes[i] === 0x0a || bytes[i] === 0x0d) return i;
  return -1;
}

export interface ReadLinesOptions {
  /** Refuse a larger file, before reading it. */
  maxBytes: number;
  /** What the cap is called, for the message (the option that raises it). */
  maxBytesOption: string;
  remote?: RemoteOptions;
  /** Told the file's size before the first line (to size what the lines go into). */
  onSize?: (bytes: number) => void;
}

/**
 * What both readers do before the first read: refuse a file over the cap,
 * tell its size, and make the splitter and the buffer pieces are read into.
 * They read up to the size checked here, not to wherever the file has grown.
 */
function prepare(source: ByteSource, onLine: LineHandler, options: Omit<ReadLinesOptions, 'remote'>): { splitter: LineSplitter; piece: Buffer } {
  if (source.size > options.maxBytes) {
    throw new LimitError(`${source.name}: ${source.size} bytes, more than the ${options.maxBytes} read at most (${options.maxBytesOption})`);
  }
  options.onSize?.(source.size);
  return { splitter: new LineSplitter(onLine, source.name), piece: Buffer.allocUnsafe(Math.min(PIECE, Math.max(source.size, 1))) };
}

/** Reads a local or remote text file line by line. */
export async function readLines(location: string, onLine: LineHandler, options: ReadLinesOptions): Promise<void> {
  // Read whole, from start to end: a remote file in one request, however long.
  const source = await storeOf(location).openWhole(location, options.remote);
  try {
    const { splitter, piece } = prepare(source, onLine, options);
    for (let position = 0, n = 1; position < source.size && n > 0; position += n) {
      n = await source.read(piece, 0, Math.min(piece.length, source.size - position), position);
      splitter.push(piece.subarray(0, n));
    }
    splitter.end();
  } finally {
    source.close();
  }
}

/** Reads a local text file line by line, synchronously. */
export function readLinesSync(path: string, onLine: LineHandler, options: Omit<ReadLinesOptions, 'remote'>): void {
  const source = FileSource.open(path);
  try {
    const { splitter, piece } = prepare(source, onLine, options);
    for (let position = 0, n = 1; position < source.size && n > 0; position += n) {
      n = source.readSync(piece, 0, Math.min(piece.length, source.size - position), position);
      splitter.push(piece.subarray(0, n));
    }
    splitter.end();
  } finally {
    source.close();
  }
}

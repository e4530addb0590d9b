/**
 * Typed errors for malformed RecordIO data. Each names the file and the byte
 * offset (or line) where the problem is, so that a user can find it.
 */
import { type ErrorKind, MxrecError } from '../util/errors.js';

export type RecordIOErrorCode =
  /** No magic where a chunk should start. */
  | 'BAD_MAGIC'
  /** lrecord carries a cflag above 3. */
  | 'BAD_CFLAG'
  /** A chunk's declared length runs past the end of the file, or the file ends inside a chunk header. */
  | 'TRUNCATED'
  /** Parts of a multi-part record are out of order (a middle/last part with no first, or a first with no last). */
  | 'BAD_SEQUENCE'
  /** The bytes after the last whole word cannot be a chunk: the file size is not a multiple of 4. */
  | 'TRAILING_BYTES'
  /** An offset given by the caller (or an .idx file) is not where a record starts. */
  | 'NOT_A_RECORD_START'
  /** A record's parts add up to more than the reader takes (maxRecordBytes). */
  | 'RECORD_TOO_LARGE'
  /**
   * A record's length runs over a record start (recovery with `checkSwallowed`): dmlc's writer never
   * leaves the magic at an aligned offset inside a chunk, so the length lied and swallowed what follows.
   */
  | 'OVERLONG_LENGTH'
  /** The file does not start with a chunk header at all: not RecordIO (a wrong file given, not a damaged one). */
  | 'NOT_RECORDIO';

export class RecordIOError extends MxrecError {
  override readonly name = 'RecordIOError';
  /** Damage is data; a file that is not RecordIO at all was the wrong file to give. */
  get kind(): ErrorKind {
    return this.code === 'NOT_RECORDIO' ? 'usage' : 'data';
  }
  constructor(
    readonly code: RecordIOErrorCode,
    /** The file (or '<buffer>') the bytes came from. */
    readonly file: string,
    /** Byte offset of the problem within `file`. */
    readonly offset: number,
    /** What is wrong, without the location. */
    readonly detail: string,
  ) {
    super(`${file}: byte ${offset}: ${detail}`);
  }
}

/** A malformed `.idx` line, or an index that disagrees with its `.rec`. */
export class IndexFileError extends MxrecError {
  override readonly name = 'IndexFileError';
  readonly kind = 'data';
  constructor(
    readonly file: string,
    /** 1-based line number, or 0 when the problem is not tied to one line. */
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
  }
}

/** A record payload that is not an MXNet image record (too short, or labels past its end). */
export class ImageRecordError extends MxrecError {
  override readonly name = 'ImageRecordError';
  readonly kind = 'data';
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** A malformed shard of an exported dataset (a tar archive, a Parquet file): names the file and the byte or row. */
export class ShardError extends MxrecError {
  override readonly name: string = 'ShardError';
  readonly kind = 'data';
}

/** Whether a file's first bytes hold control characters no text file has (NUL and the like): a .rec, an image, an archive. */
export function looksBinary(start: Uint8Array): boolean {
  const head = Buffer.from(start.buffer, start.byteOffset, Math.min(start.length, 512));
  return /[\0-\x08\x0e-\x1f]/.test(head.toString('latin1'));
}

/**
 * What a file seems to be, from its first bytes, for the NOT_RECORDIO message
 * (the usual wrong files given where a .rec was meant: its .idx or .lst, an
 * image, an archive) and im2rec's (a .rec given where its list goes).
 */
export function whatItLooksLike(start: Uint8Array): string {
  const head = Buffer.from(start.buffer, start.byteOffset, Math.min(start.length, 512));
  const has = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (has(0x0a, 0x23, 0xd7, 0xce)) return 'looks like a RecordIO file (.rec)'; // RecordIO's magic, where a .rec was not expected
  if (has(0xff, 0xd8, 0xff)) return 'looks like a JPEG image';
  if (has(0x89, 0x50, 0x4e, 0x47)) return 'looks like a PNG image';
  if (has(0x47, 0x49, 0x46, 0x38)) return 'looks like a GIF image';
  if (has(0x42, 0x4d)) return 'looks like a BMP image';
  if (has(0x1f, 0x8b)) return 'looks like a gzip archive';
  if (has(0x50, 0x4b, 0x03, 0x04)) return 'looks like a zip archive';
  if (has(0x75, 0x73, 0x74, 0x61, 0x72) || head.subarray(257, 262).toString('latin1') === 'ustar') return 'looks like a tar archive';
  const text = head.toString('utf8');
  if (head.length > 0 && !/[\0-\x08\x0e-\x1f\ufffd]/.test(text)) {
    const first = text.split('\n')[0]!;
    if (/^\d+\t\d+\r?$/.test(first)) return 'looks like a text index (.idx): pass the .rec beside it';
    if (/^\d+(\t[-+.\deE]+)+\t[^\t]+\r?$/.test(first)) return 'looks like an image list (.lst)';
    return 'looks like a text file';
  }
  return `starts with bytes ${[...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

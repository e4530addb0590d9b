/**
 * Typed errors for malformed RecordIO data. Each names the file and the byte
 * offset (or line) where the problem is, so that a user can find it.
 */

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
  | 'RECORD_TOO_LARGE';

export class RecordIOError extends Error {
  override readonly name = 'RecordIOError';
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
export class IndexFileError extends Error {
  override readonly name = 'IndexFileError';
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
export class ImageRecordError extends Error {
  override readonly name = 'ImageRecordError';
  constructor(readonly detail: string) {
    super(detail);
  }
}

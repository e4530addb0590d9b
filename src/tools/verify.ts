/**
 * `rec verify`: checks every record's framing and, when there is one, that the
 * `.idx` points at record starts and covers every record. Reading continues
 * past damage (recovery mode) so that all problems are found in one pass.
 */
import fs from 'node:fs';
import { IndexFileError } from '../format/errors.js';
import { type IndexEntry, RecordIndex, indexPathFor } from '../format/index-file.js';
import { RecordReader } from '../format/reader.js';
import { findCuts } from '../format/recordio.js';

export interface Problem {
  /** The file the problem is in (the .rec or the .idx). */
  file: string;
  /** Byte offset in the .rec (for framing problems and index entries). */
  offset: number;
  /** 1-based .idx line, for index problems. */
  line?: number;
  code: string;
  message: string;
}

export interface VerifyReport {
  file: string;
  size: number;
  records: number;
  /** Records stored in more than one chunk (their payloads hold the magic). */
  multiPart: number;
  skippedBytes: number;
  index: { file: string; entries: number; keys: number } | null;
  problems: Problem[];
}

export interface VerifyOptions {
  /** The .idx to check; null to skip. Default: none (the CLI passes the sibling .idx when it exists). */
  indexPath?: string | null;
}

export async function verifyRecordFile(recPath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const index = options.indexPath ? readIndex(options.indexPath, problems) : null;
  const indexCheck = index ? new IndexCheck(index, recPath, problems) : null;
  let records = 0;
  let multiPart = 0;
  const reader = RecordReader.open(recPath);
  const scan = reader.scan({
    recover: true,
    reuseBuffers: true,
    onSkip: (e) =>
      problems.push({
        file: recPath,
        offset: e.error.offset,
        code: e.error.code,
        message: `${e.error.message}; skipped ${e.resumeAt - e.offset} bytes to byte ${e.resumeAt}`,
      }),
  });
  try {
    for await (const record of scan) {
      records += 1;
      if (record.parts > 1) multiPart += 1;
      indexCheck?.record(record.offset);
      // dmlc's writer never leaves the magic at an aligned offset inside a part; a file
      // that does cannot be split into parts safely (a reader would take it for a record start).
      if (findCuts(record.payload).length !== record.parts - 1) {
        problems.push({
          file: recPath,
          offset: record.offset,
          code: 'UNSPLIT_MAGIC',
          message: `${recPath}: byte ${record.offset}: the payload holds the magic at a 4-byte-aligned offset that dmlc's writer would have split; readers that partition the file will cut this record`,
        });
      }
    }
  } finally {
    reader.close();
  }
  indexCheck?.finish(records);
  return {
    file: recPath,
    size: reader.size,
    records,
    multiPart,
    skippedBytes: scan.skipped.bytes,
    index: index && { file: index.file, entries: index.entries.length, keys: index.size },
    problems,
  };
}

function readIndex(indexPath: string, problems: Problem[]): RecordIndex | null {
  try {
    return RecordIndex.readSync(indexPath);
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    problems.push({ file: indexPath, offset: 0, line: err.line, code: 'BAD_INDEX_LINE', message: err.message });
    return null;
  }
}

/**
 * Checks an .idx against the records as the scan meets them: entries sorted
 * by offset are walked alongside, so memory depends on the .idx, not the .rec.
 */
class IndexCheck {
  private readonly byOffset: IndexEntry[];
  private next = 0;
  private missing = 0;
  private firstMissing = -1;

  constructor(
    private readonly index: RecordIndex,
    private readonly recPath: string,
    private readonly problems: Problem[],
  ) {
    this.byOffset = [...index.entries].sort((a, b) => a.offset - b.offset);
  }

  /** The scan met a record starting at `offset`. */
  record(offset: number): void {
    let indexed = false;
    while (this.next < this.byOffset.length && this.byOffset[this.next]!.offset <= offset) {
      const entry = this.byOffset[this.next++]!;
      if (entry.offset === offset) indexed = true;
      else this.notARecordStart(entry);
    }
    if (!indexed) {
      if (this.missing === 0) this.firstMissing = offset;
      this.missing += 1;
    }
  }

  /** The scan is over: entries past the last record point nowhere; report records with no entry. */
  finish(records: number): void {
    while (this.next < this.byOffset.length) this.notARecordStart(this.byOffset[this.next++]!);
    if (this.missing > 0) {
      this.problems.push({
        file: this.index.file,
        offset: this.firstMissing,
        code: 'MISSING_FROM_INDEX',
        message: `${this.index.file}: ${this.missing} of ${records} records have no entry (the first at byte ${this.firstMissing} of ${this.recPath})`,
      });
    }
  }

  private notARecordStart({ key, offset, line }: IndexEntry): void {
    this.problems.push({
      file: this.index.file,
      offset,
      line,
      code: 'NOT_A_RECORD_START',
      message: `${this.index.file}:${line}: key ${key}: offset ${offset} is not a record start in ${this.recPath}`,
    });
  }
}

/** The `.idx` beside a `.rec`, if there is one. */
export function siblingIndex(recPath: string): string | null {
  const candidate = indexPathFor(recPath);
  return candidate !== recPath && fs.existsSync(candidate) ? candidate : null;
}

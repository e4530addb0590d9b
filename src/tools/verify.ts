/**
 * `rec verify`: checks every record's framing and, when there is one, that the
 * `.idx` points at record starts and covers every record. Reading continues
 * past damage (recovery mode) so that all problems are found in one pass.
 */
import fs from 'node:fs';
import { IndexFileError } from '../format/errors.js';
import { RecordIndex, indexPathFor } from '../format/index-file.js';
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

/** Index of the first value >= target in a sorted array. */
function lowerBound(sorted: number[], target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function verifyRecordFile(recPath: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: Problem[] = [];
  const starts: number[] = [];
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
      starts.push(record.offset);
      if (record.parts > 1) multiPart += 1;
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
  const report: VerifyReport = {
    file: recPath,
    size: reader.size,
    records: starts.length,
    multiPart,
    skippedBytes: scan.skipped.bytes,
    index: null,
    problems,
  };
  if (options.indexPath) checkIndex(options.indexPath, recPath, starts, report);
  return report;
}

function checkIndex(indexPath: string, recPath: string, starts: number[], report: VerifyReport): void {
  let index: RecordIndex;
  try {
    index = RecordIndex.readSync(indexPath);
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    report.problems.push({ file: indexPath, offset: 0, line: err.line, code: 'BAD_INDEX_LINE', message: err.message });
    return;
  }
  report.index = { file: indexPath, entries: index.entries.length, keys: index.size };
  const covered = new Uint8Array(starts.length);
  for (const { key, offset, line } of index.entries) {
    const at = lowerBound(starts, offset);
    if (starts[at] === offset) {
      covered[at] = 1;
    } else {
      report.problems.push({
        file: indexPath,
        offset,
        line,
        code: 'NOT_A_RECORD_START',
        message: `${indexPath}:${line}: key ${key}: offset ${offset} is not a record start in ${recPath}`,
      });
    }
  }
  const missing = covered.reduce((n, c) => n + (c ? 0 : 1), 0);
  if (missing > 0) {
    const first = starts[covered.indexOf(0)]!;
    report.problems.push({
      file: indexPath,
      offset: first,
      code: 'MISSING_FROM_INDEX',
      message: `${indexPath}: ${missing} of ${starts.length} records have no entry (the first at byte ${first} of ${recPath})`,
    });
  }
}

/** The `.idx` beside a `.rec`, if there is one. */
export function siblingIndex(recPath: string): string | null {
  const candidate = indexPathFor(recPath);
  return candidate !== recPath && fs.existsSync(candidate) ? candidate : null;
}

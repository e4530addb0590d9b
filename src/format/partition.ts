/**
 * Splitting one or several `.rec` files into `numParts` parts exactly as
 * dmlc's InputSplit of type "recordio" does, so that N workers (ours, MXNet's
 * or a mix) each read a disjoint share and together read every record once.
 *
 * The rule, from dmlc-core src/io/input_split_base.cc (ResetPartition) and
 * src/io/recordio_split.cc (SeekRecordBegin):
 *
 * 1. The files are laid end to end as one byte stream of `total` bytes.
 * 2. step = ceil(total / numParts), rounded up to a multiple of 4.
 *    Part k covers [min(k*step, total), min((k+1)*step, total)).
 * 3. Each end of that range that falls inside a file (not on a file's start)
 *    is moved forward, within that file, to the next 4-byte-aligned word that
 *    holds the magic and is followed by a cflag of 0 or 1 (a record start); if
 *    the file has none left, to the file's end, which is the next file's start.
 * 4. The part is every record between the two moved ends.
 *
 * So a record belongs to the part whose range holds its first byte; parts can
 * be empty (more parts than records, or a record longer than a step); record
 * order is file order.
 */
import { type RecordFile, resolveRecordFiles, resolveRecordLocations } from '../io/record-files.js';
import { FileSource } from '../io/byte-source.js';
import { RENAMED_REMOTE, type RemoteOptions } from '../io/store.js';
import { type ReadOptions, RecordScan, type ScanSegment } from './reader.js';
import { UsageError } from '../util/errors.js';

export interface PartitionOptions extends ReadOptions {
  /** Number of parts the data is split into. Default 1. */
  numParts?: number;
  /** Which part to read, 0-based. Default 0. */
  partIndex?: number;
}

export function checkPart(numParts: number, partIndex: number): void {
  if (!Number.isSafeInteger(numParts) || numParts < 1) {
    throw new UsageError(`expected numParts as an integer >= 1, received ${String(numParts)}`);
  }
  if (!Number.isSafeInteger(partIndex) || partIndex < 0 || partIndex >= numParts) {
    throw new UsageError(`expected partIndex as an integer in 0..${numParts - 1}, received ${String(partIndex)}`);
  }
}

/** Step 2 of the rule: part `partIndex`'s byte range before its ends are moved to record starts. */
export function partitionRange(total: number, numParts: number, partIndex: number): { begin: number; end: number } {
  checkPart(numParts, partIndex);
  const step = Math.ceil(Math.ceil(total / numParts) / 4) * 4;
  return { begin: Math.min(step * partIndex, total), end: Math.min(step * (partIndex + 1), total) };
}

/** The stretch of each file that part `partIndex` reads. */
export function partitionSegments(
  files: readonly RecordFile[],
  numParts: number,
  partIndex: number,
): Array<{ path: string; from: number; to: number; seek: boolean }> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const { begin, end } = partitionRange(total, numParts, partIndex);
  const segments: Array<{ path: string; from: number; to: number; seek: boolean }> = [];
  if (begin >= end) return segments;
  let fileStart = 0;
  for (const file of files) {
    const fileEnd = fileStart + file.size;
    if (fileEnd > begin && fileStart < end) {
      const from = Math.max(begin - fileStart, 0);
      segments.push({ path: file.path, from, to: Math.min(end - fileStart, file.size), seek: from > 0 });
    }
    fileStart = fileEnd;
  }
  return segments;
}

/**
 * The records of one part of `uri` (a path, a `;`-separated list, a directory,
 * or an array of paths), in the order dmlc's InputSplit yields them.
 */
export function readPartition(uri: string | readonly string[], options: PartitionOptions = {}): RecordScan {
  checkPart(options.numParts ?? 1, options.partIndex ?? 0);
  return scanPartition(resolveRecordFiles(uri), options);
}

/**
 * readPartition where entries may also be http(s):// URLs or s3:// objects; their records
 * read only asynchronously (`for await`).
 */
export async function openPartition(uri: string | readonly string[], options: PartitionOptions & { remote?: RemoteOptions } = {}): Promise<RecordScan> {
  checkPart(options.numParts ?? 1, options.partIndex ?? 0);
  // The option's former name: refused rather than quietly ignored (its headers may carry credentials).
  if (Object.hasOwn(options, 'http')) throw new UsageError(`http: renamed ${RENAMED_REMOTE.http}`);
  return scanPartition(await resolveRecordLocations(uri, options.remote), options);
}

/** The scan of one part of files already resolved. */
export function scanPartition(files: readonly RecordFile[], options: PartitionOptions = {}): RecordScan {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const segments: ScanSegment[] = partitionSegments(files, options.numParts ?? 1, options.partIndex ?? 0).map((s) => {
    const open = byPath.get(s.path)!.source;
    return { open: () => open ?? FileSource.open(s.path), owned: !open, from: s.from, to: s.to, seek: s.seek, syncReads: open?.syncReads ?? true };
  });
  return new RecordScan(segments, options);
}

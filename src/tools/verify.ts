/**
 * `rec verify`: checks every record's framing and, when there is one, that the
 * `.idx` points at record starts and covers every record; optionally that
 * every image decodes. Reading continues past damage (recovery mode) so that
 * all problems are found in one pass. Problems name the byte offset and, where
 * known, the record's key (its .idx key, else its header id).
 */
import { type RecordIORecord, RecordReader, type SkipEvent } from '../format/reader.js';
import { type RecordId, tryUnpackImageRecord } from '../format/image-record.js';
import type { RecordIndex } from '../format/index-file.js';
import { countCuts } from '../format/recordio.js';
import { displayLocation } from '../io/display-name.js';
import { DecodeCheck } from './decode-check.js';
import { isLayoutRecord } from '../format/face-layout.js';
import { IndexCheck, type Problem, ProblemList, readIndexForCheck } from './index-check.js';
import { DEFAULT_MAX_PROBLEMS, SHOWN_PROBLEMS } from '../io/limits.js';
import { indexPathOption } from './common-options.js';
import { type OptionsOf, boolean, callback, checkOptions, integer } from '../util/schema.js';

export type { Problem } from './index-check.js';

// Moved to the format core, whose recovery looks for the magic inside payloads too; kept here for callers.
export { countCuts } from '../format/recordio.js';

export interface VerifyReport {
  file: string;
  size: number;
  records: number;
  /** Records stored in more than one chunk (their payloads hold the magic). */
  multiPart: number;
  skippedBytes: number;
  /** Images decoded (with the decode option), else null. */
  decoded: number | null;
  index: { file: string; entries: number; keys: number } | null;
  /** The first problems by offset, up to `maxProblems`. */
  problems: Problem[];
  /** Problems found in all (listed or not). */
  problemCount: number;
  /** Problems found in all, by code. */
  problemCounts: Record<string, number>;
}

/** verifyRecordFile's options. */
export const VERIFY_OPTIONS = {
  indexPath: indexPathOption('the .idx to check; null or absent: none (the CLI passes the one beside the .rec when it exists)'),
  decode: boolean({ doc: 'also decode every image (records without an image header are then problems too)', default: false }),
  maxProblems: integer({
    doc: 'problems the report lists, the first by offset; the rest are only counted',
    flagDoc: `problems to list, the first by offset; the rest are counted (default: ${SHOWN_PROBLEMS}, with --json ${DEFAULT_MAX_PROBLEMS})`,
    min: 1,
    defaultText: String(DEFAULT_MAX_PROBLEMS),
  }),
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes read so far, and the size'),
};
export type VerifyOptions = OptionsOf<typeof VERIFY_OPTIONS>;

/**
 * What verify counts and checks of each record, its problems added to
 * `problems`: damage stepped over, no magic where dmlc's writer would have
 * split the record and, with `decode`, an image header and an image that
 * decodes.
 */
class RecordChecks {
  records = 0;
  multiPart = 0;
  /** Images handed to the decode check; null without it. */
  decoded: number | null;
  private readonly decodeCheck: DecodeCheck<{ offset: number; id: RecordId }> | null;

  constructor(
    /** The .rec as problems name it. */
    private readonly name: string,
    private readonly problems: ProblemList,
    decode: boolean,
  ) {
    this.decoded = decode ? 0 : null;
    this.decodeCheck = decode
      ? new DecodeCheck<{ offset: number; id: RecordId }>((at, error) =>
          problems.add({
            file: name,
            offset: at.offset,
            key: String(at.id),
            code: 'BAD_IMAGE',
            message: `${name}: byte ${at.offset}: image does not decode: ${error.message}`,
          }),
        )
      : null;
  }

  /** Counts a record (in one part or several). */
  count(record: RecordIORecord): void {
    this.records += 1;
    if (record.parts > 1) this.multiPart += 1;
  }

  /** A damaged stretch the scan stepped over. */
  skipped(e: SkipEvent): void {
    this.problems.add({
      file: this.name,
      offset: e.error.offset,
      code: e.error.code,
      message: `${e.error.message}; skipped ${e.resumeAt - e.offset} bytes to byte ${e.resumeAt}`,
    });
  }

  /** Checks a record's payload; a promise while its image waits to be decoded. */
  check(record: RecordIORecord): Promise<void> | undefined {
    const { name, problems } = this;
    // dmlc's writer never leaves the magic at an aligned offset inside a part; a file
    // that does cannot be split into parts safely (a reader would take it for a record start).
    if (countCuts(record.payload) !== record.parts - 1) {
      problems.add({
        file: name,
        offset: record.offset,
        code: 'UNSPLIT_MAGIC',
        message: `${name}: byte ${record.offset}: the payload holds the magic at a 4-byte-aligned offset that dmlc's writer would have split; readers that partition the file will cut this record`,
      });
    }
    if (!this.decodeCheck) return undefined;
    const image = tryUnpackImageRecord(record.payload);
    if (!image) {
      problems.add({ file: name, offset: record.offset, code: 'NO_IMAGE_HEADER', message: `${name}: byte ${record.offset}: not an image record (no room for its header and labels)` });
    } else if (!isLayoutRecord(image)) {
      this.decoded! += 1;
      return this.decodeCheck.add(image.image, { offset: record.offset, id: image.id });
    }
    return undefined;
  }

  /** Waits for the images still decoding. */
  async finish(): Promise<void> {
    await this.decodeCheck?.finish();
  }
}

/** Keys for problems found by offset, from the .idx where it names the record. */
function addKeys(problems: Problem[], index: RecordIndex, name: string): void {
  for (const p of problems) {
    const key = p.file === name ? index.keyAtOffset(p.offset) : undefined;
    if (key !== undefined) p.key = key;
  }
}

export async function verifyRecordFile(recPath: string, given: VerifyOptions = {}): Promise<VerifyReport> {
  const options = checkOptions(VERIFY_OPTIONS, given);
  const name = displayLocation(recPath); // what reports and messages say: no credentials
  const problems = new ProblemList(options.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const index = options.indexPath ? await readIndexForCheck(options.indexPath, problems) : null;
  const indexCheck = index ? new IndexCheck(index, name, problems) : null;
  const checks = new RecordChecks(name, problems, options.decode);
  const reader = await RecordReader.openAsync(recPath);
  const scan = reader.scan({ recover: true, reuseBuffers: true, onSkip: (e) => checks.skipped(e) });
  try {
    await scan.forEach((record) => {
      checks.count(record);
      if (options.onProgress && checks.records % 4096 === 0) options.onProgress(record.end, reader.size);
      indexCheck?.record(record.offset);
      return checks.check(record);
    });
    await checks.finish();
  } finally {
    reader.close();
  }
  indexCheck?.finish(checks.records);
  options.onProgress?.(reader.size, reader.size);
  const first = problems.first;
  if (index) addKeys(first, index, name);
  return {
    file: name,
    size: reader.size,
    records: checks.records,
    multiPart: checks.multiPart,
    skippedBytes: scan.skipped.bytes,
    decoded: checks.decoded,
    index: index && { file: index.file, entries: index.length, keys: index.size },
    problems: first,
    problemCount: problems.total,
    problemCounts: problems.counts,
  };
}

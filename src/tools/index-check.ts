/**
 * Checks an `.idx` against the records of its `.rec` as a scan meets them
 * (used by `rec verify` and `rec info`): every entry must point at a record
 * start and every record must have an entry.
 */
import { IndexFileError } from '../format/errors.js';
import { RecordIndex } from '../format/index-file.js';
import { DEFAULT_MAX_PROBLEMS } from '../io/limits.js';

/** One thing wrong with a file, where it is, and what. */
export interface Problem {
  /** The file the problem is in (the .rec or the .idx). */
  file: string;
  /** Byte offset in the .rec (for framing problems and index entries). */
  offset: number;
  /** 1-based .idx line, for index problems. */
  line?: number;
  /** The record's key (its .idx key, else its header id), when known. */
  key?: string;
  code: string;
  message: string;
}

/**
 * The problems a check finds: the first `keep` of them by offset (equal
 * offsets in the order found), and how many of each code there were in all.
 * Memory is `keep` problems whatever the file (a verify that kept all of
 * 10 M damaged records' problems took 3.8 GB to print 20).
 */
export class ProblemList {
  /** Problems found, by code. */
  readonly counts: Record<string, number> = {};
  total = 0;
  private list: Problem[] = [];

  constructor(readonly keep = DEFAULT_MAX_PROBLEMS) {}

  add(problem: Problem): void {
    this.total += 1;
    this.counts[problem.code] = (this.counts[problem.code] ?? 0) + 1;
    this.list.push(problem);
    if (this.list.length >= 2 * this.keep + 64) this.trim();
  }

  /** The problems kept, by offset. */
  get first(): Problem[] {
    this.trim();
    return this.list;
  }

  private trim(): void {
    this.list.sort((a, b) => a.offset - b.offset);
    if (this.list.length > this.keep) this.list.length = this.keep;
  }
}

/**
 * The .idx (a path or URL), or null with the problem recorded when it does
 * not parse. Its distinct keys are counted here, before the check sorts it
 * by offset, so that the two passes' memory is not held at once.
 */
export async function readIndexForCheck(indexPath: string, problems: ProblemList): Promise<RecordIndex | null> {
  try {
    const index = await RecordIndex.read(indexPath);
    void index.size; // the distinct keys, counted now (a sorted copy of the keys), before the scan and its lookups hold memory too
    return index;
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    problems.add({ file: err.file, offset: 0, line: err.line, code: 'BAD_INDEX_LINE', message: err.message });
    return null;
  }
}

/** What an IndexCheck does with an entry that is no record start (see its constructor). */
export type BadEntries = 'list' | 'refuse' | ((entry: number) => void);

/**
 * Checks an .idx against the records as the scan meets them: entries sorted
 * by offset are walked alongside, so memory depends on the .idx, not the .rec.
 */
export class IndexCheck {
  /** Entry positions in offset order (null: the file is in that order). */
  private readonly order: Uint32Array | null;
  private next = 0;
  private missing = 0;
  private firstMissing = -1;

  constructor(
    private readonly index: RecordIndex,
    private readonly recPath: string,
    private readonly problems: ProblemList,
    /**
     * What is done with an entry that is no record start: listed as a problem
     * (verify, info), refused with an IndexFileError (the rewrite tools), or
     * given to a function, one call per entry (repair, which reports them).
     */
    private readonly badEntries: BadEntries = 'list',
  ) {
    this.order = index.positionsByOffset();
  }

  private at(k: number): number {
    return this.order ? this.order[k]! : k;
  }

  /** The scan met a record starting at `offset`: the entry naming it (the last with that offset), or -1. */
  record(offset: number): number {
    let indexed = -1;
    while (this.next < this.index.length && this.index.offsetAt(this.at(this.next)) <= offset) {
      const entry = this.at(this.next++);
      if (this.index.offsetAt(entry) === offset) indexed = entry;
      else this.notARecordStart(entry);
    }
    if (indexed < 0) {
      if (this.missing === 0) this.firstMissing = offset;
      this.missing += 1;
    }
    return indexed;
  }

  /** Records met so far that no entry names. */
  get unindexed(): number {
    return this.missing;
  }

  /** The scan is over: entries past the last record point nowhere; report records with no entry. */
  finish(records: number): void {
    const past = this.index.length - this.next;
    if (typeof this.badEntries === 'function') {
      while (this.next < this.index.length) this.badEntries(this.at(this.next++));
    } else if (past > 0) {
      // Entries past the last record (a .rec cut short, say) are one problem, not one per entry.
      this.notARecordStart(this.at(this.next), past - 1);
    }
    this.next = this.index.length;
    if (this.missing > 0) {
      this.problems.add({
        file: this.index.file,
        offset: this.firstMissing,
        code: 'MISSING_FROM_INDEX',
        message: `${this.index.file}: ${this.missing} of ${records} records have no entry (the first at byte ${this.firstMissing} of ${this.recPath})`,
      });
    }
  }

  /** An entry that points at no record start; with `more`, the entries after it do not either (past the last record). */
  private notARecordStart(entry: number, more = 0): void {
    if (typeof this.badEntries === 'function') {
      this.badEntries(entry);
      return;
    }
    const { key, offset, line } = this.index.entryAt(entry);
    const what = more > 0 ? `key ${key} and ${more} more entries point past the last record of ${this.recPath} (offsets ${offset} and on)` : `key ${key}: offset ${offset} is not a record start in ${this.recPath}`;
    const error = new IndexFileError(this.index.file, line, what);
    if (this.badEntries === 'refuse') throw error;
    this.problems.add({ file: this.index.file, offset, line, key, code: 'NOT_A_RECORD_START', message: error.message });
  }
}

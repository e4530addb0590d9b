/**
 * `rec repair`: every sound record of a damaged `.rec` into a new `.rec` +
 * `.idx`, byte for byte, and a report of what was lost and of what the `.idx`
 * (and insightface's record 0) claimed against what is there.
 *
 * The input is read once, in recovery mode (format/cursor.ts): damaged
 * stretches (bad magic, a file cut short, zeroed bytes, lengths past the end)
 * are stepped over to the next record start, and a length that lies longer
 * than its record gives back the records it swallowed (checkSwallowed). Keys
 * are kept as the other rewrites keep them (RecordKeys: the `.idx` entry
 * that names the record's start, else the image header id), except that an
 * `.idx` that disagrees with the file is reported here, not refused: that is
 * what a repair is for. The outputs are the rewrites' (rewrite.ts: claimed
 * first, never an input, published whole or not at all).
 */
import { IndexFileError } from '../format/errors.js';
import { RecordIndex } from '../format/index-file.js';
import { tryUnpackImageRecord } from '../format/image-record.js';
import { type RecordIORecord, RecordReader, type SkipEvent } from '../format/reader.js';
import { displayLocation } from '../io/display-name.js';
import { siblingIndex } from '../io/locations.js';
import { SHOWN_PROBLEMS } from '../io/limits.js';
import { type OptionsOf, boolean, checkOptions, integer } from '../util/schema.js';
import { DecodeCheck } from './decode-check.js';
import { isLayoutRecord } from '../format/face-layout.js';
import { type KeyedRecord, REWRITE_OPTIONS, RecordKeys, type RewriteResult, type RewriteTarget, rewrite } from './rewrite.js';

/** repairRecordFile's options: the rewrite's, and what repair adds. */
export const REPAIR_OPTIONS = {
  ...REWRITE_OPTIONS,
  decode: boolean({ doc: 'also decode every image; those that do not decode are set aside into OUT-undecodable.rec + .idx (keys kept), not written to OUT', default: false }),
  maxListed: integer({
    doc: 'damaged stretches, suspect records and lost keys the report lists (the first of each); the rest are counted',
    flag: '--max-listed',
    min: 1,
    default: SHOWN_PROBLEMS,
  }),
};
export type RepairOptions = OptionsOf<typeof REPAIR_OPTIONS>;

/** A damaged stretch of the input that was stepped over. */
export interface DamagedStretch {
  offset: number;
  length: number;
  /** What was wrong at `offset` (a RecordIOError code: BAD_MAGIC, TRUNCATED, OVERLONG_LENGTH, ...). */
  code: string;
  message: string;
}

/** A record kept in OUT whose end is where damage starts: a length that lies shorter reads as this. */
export interface SuspectRecord {
  offset: number;
  key: string;
}

/** The input's `.idx` against what was recovered. */
export interface IndexClaims {
  file: string;
  /** Entries (lines) the .idx has, and distinct keys among them. */
  entries: number;
  keys: number;
  /** Entries that name the start of a recovered record. */
  named: number;
  /** Entries that name no record start: past the end of the file, in damaged bytes, inside a record. */
  pastEnd: number;
  inDamage: number;
  insideRecords: number;
  /** Recovered records that no entry named (keyed by their image header id). */
  unindexed: number;
  /** Keys the .idx has that no recovered record has: their records are lost. */
  lostKeys: number;
  lostSample: string[];
  /** Why the .idx was not used (it does not parse); null when it was. */
  unreadable: string | null;
  /** The .idx written differs from the input's in what it names (entries dropped, added or moved). */
  rebuilt: boolean;
}

/** insightface's layout: what record 0 claims against what was recovered (the output's record 0 and identity records are rebuilt: RewriteResult.layout). */
export interface LayoutClaims {
  /** Images record 0 claims (label[0] - 1: keys 1 .. label[0]-1), and image records recovered. */
  imagesClaimed: number;
  imagesFound: number;
  /** Identity records record 0 claims (label[1] - label[0]), and identity records recovered. */
  identitiesClaimed: number;
  identitiesFound: number;
}

export interface RepairReport extends RewriteResult {
  /** The damaged input, as reports name it (no credentials). */
  input: string;
  inputBytes: number;
  /** Damaged stretches stepped over: how many, their bytes, the first `maxListed`. */
  damage: { count: number; bytes: number; first: DamagedStretch[] };
  suspect: { count: number; first: SuspectRecord[] };
  index: IndexClaims | null;
  layoutClaims: LayoutClaims | null;
  /** Records with neither an .idx entry nor an image header, keyed by their position among the records recovered. */
  keyedByPosition: number;
  /** With decode: images decoded, and the output the undecodable ones were set aside into (records 0: none, and no file written). */
  decoded: number | null;
  undecodable: RewriteResult | null;
  /** Anything of the input not in OUT: damaged bytes, keys of the .idx, images record 0 claims, images set aside. */
  lost: boolean;
}

/** Where --decode sets undecodable images aside: OUT-undecodable.rec beside OUT.rec. */
export function undecodablePathFor(out: string): string {
  return /\.rec$/i.test(out) ? out.replace(/(\.rec)$/i, '-undecodable$1') : `${out}-undecodable`;
}

/** Codes of damage that, found right at a record's end, say the record's length may be short. */
const SHORT_LENGTH_SIGNS = new Set(['BAD_MAGIC', 'BAD_CFLAG', 'BAD_SEQUENCE']);

/** The input's .idx, or null (none, or it does not parse: then `unreadable` says why). */
async function readInputIndex(input: string): Promise<{ index: RecordIndex | null; file: string | null; unreadable: string | null }> {
  const location = await siblingIndex(input);
  if (location === null) return { index: null, file: null, unreadable: null };
  try {
    return { index: await RecordIndex.read(location), file: displayLocation(location), unreadable: null };
  } catch (err) {
    if (!(err instanceof IndexFileError)) throw err;
    return { index: null, file: displayLocation(location), unreadable: err.message };
  }
}

/** Entries of the .idx that name no recovered record start, by where they point; kept (4 bytes each) to look their keys up at the end. */
class BadEntries {
  pastEnd = 0;
  inDamage = 0;
  insideRecords = 0;
  private list = new Uint32Array(64);
  private count = 0;

  add(entry: number, offset: number, recordsEnd: number, size: number): void {
    if (offset >= size) this.pastEnd += 1;
    else if (offset >= recordsEnd) this.inDamage += 1;
    else this.insideRecords += 1;
    if (this.count === this.list.length) {
      const grown = new Uint32Array(this.list.length * 2);
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.count++] = entry;
  }

  get total(): number {
    return this.count;
  }

  *entries(): Generator<number> {
    for (let i = 0; i < this.count; i++) yield this.list[i]!;
  }
}

/** A record waiting for its image to be decoded: a copy of its payload unless it is too large to queue. */
interface Pending extends KeyedRecord {}

export async function repairRecordFile(input: string, out: string, given: RepairOptions = {}): Promise<RepairReport> {
  const options = checkOptions(REPAIR_OPTIONS, given);
  const listed = options.maxListed;
  const name = displayLocation(input);
  const idx = await readInputIndex(input);
  const reader = await RecordReader.openAsync(input);
  const size = reader.size;
  reader.close();

  // What one reading of the input finds. A rewrite reads it twice when the output takes insightface's layout
  // (rewrite.ts: a pass to count the identities, then one to write), so each pass starts afresh.
  let damage!: { count: number; bytes: number; first: DamagedStretch[] };
  let suspect!: { count: number; first: SuspectRecord[] };
  let bad!: BadEntries;
  /** Entries that named a recovered record. */
  let named!: Uint8Array | null;
  /** Keys of the recovered records no entry named (they may be what a bad entry meant). */
  let unindexedKeys!: RecordIndex | null;
  let recovered!: number;
  let keyedByPosition!: number;
  /** Where the last recovered record ended (bad entries before it lie inside records), its offset and key. */
  let lastEnd!: number;
  let last!: SuspectRecord | null;
  let layoutHeader!: number[] | null;
  let imagesFound!: number;
  let identitiesFound!: number;
  let decoded!: number | null;
  let keys!: RecordKeys;
  const startPass = (): void => {
    damage = { count: 0, bytes: 0, first: [] };
    suspect = { count: 0, first: [] };
    bad = new BadEntries();
    named = idx.index ? new Uint8Array(idx.index.length) : null;
    unindexedKeys = idx.index ? new RecordIndex([], '<unindexed>') : null;
    [recovered, keyedByPosition, lastEnd, last, layoutHeader, imagesFound, identitiesFound] = [0, 0, 0, null, null, 0, 0];
    decoded = options.decode ? 0 : null;
    keys = RecordKeys.over(idx.index, input, {
      onBadEntry: (entry) => bad.add(entry, idx.index!.offsetAt(entry), lastEnd, size),
      keyless: () => {
        keyedByPosition += 1;
        return String(recovered - 1);
      },
    });
  };

  const onSkip = (e: SkipEvent): void => {
    damage.count += 1;
    damage.bytes += e.resumeAt - e.offset;
    if (damage.first.length < listed) damage.first.push({ offset: e.offset, length: e.resumeAt - e.offset, code: e.error.code, message: e.error.message });
    if (last && e.offset === lastEnd && SHORT_LENGTH_SIGNS.has(e.error.code)) {
      suspect.count += 1;
      if (suspect.first.length < listed) suspect.first.push(last);
    }
  };

  /** Counts what insightface's record 0 claims; returns the image bytes to decode (null: none). */
  const inspect = (record: RecordIORecord, key: string): Uint8Array | null => {
    const image = tryUnpackImageRecord(record.payload);
    if (!image) return null;
    if (isLayoutRecord(image)) {
      if (key === '0') layoutHeader = image.label;
      else identitiesFound += 1;
      return null;
    }
    if (image.image.length === 0) return null;
    imagesFound += 1;
    return image.image;
  };

  const fill = async ([main, setAside]: RewriteTarget[], progress: { add(bytes: number): void }): Promise<void> => {
    startPass();
    const decoder = options.decode
      ? new DecodeCheck<Pending>(
          () => undefined,
          undefined,
          (item, error) => (error ? setAside! : main!).write(item),
        )
      : null;
    const source = await RecordReader.openAsync(input);
    try {
      await source.scan({ recover: true, checkSwallowed: true, reuseBuffers: true, onSkip }).forEach((record) => {
        progress.add(record.end - record.offset);
        recovered += 1;
        const key = keys.inFileOrder(record);
        if (named && keys.lastEntry >= 0) named[keys.lastEntry] = 1;
        else unindexedKeys?.add(key, record.offset);
        lastEnd = record.end;
        last = { offset: record.offset, key };
        const image = inspect(record, key);
        if (!decoder) return main!.write({ record, key }) ?? undefined;
        // Written once decoded, in file order: a copy, unless too large to queue (then decoded before add() returns).
        const copy = record.payload.length < DecodeCheck.copiedBelow ? Buffer.from(record.payload) : record.payload;
        const at = image ? image.byteOffset - record.payload.byteOffset : 0;
        if (image) decoded! += 1;
        return decoder.add(image && copy.subarray(at, at + image.length), { record: { ...record, payload: copy }, key }, true, copy.length);
      });
      await decoder?.finish();
    } finally {
      source.close();
    }
    keys.finish();
  };

  const outs = options.decode ? [out, undecodablePathFor(out)] : [out];
  const [result, setAside] = await rewrite(outs, [input], options, fill, `${name}: no record could be recovered`, { optional: options.decode ? 1 : 0 });

  let index: IndexClaims | null = null;
  if (idx.file !== null) {
    const lostSample: string[] = [];
    let lostKeys = 0;
    const i = idx.index;
    if (i) {
      for (const entry of bad.entries()) {
        const key = i.keyAt(entry);
        const at = i.get(key);
        if ((at !== undefined && named![at] === 1) || unindexedKeys!.has(key)) continue;
        lostKeys += 1;
        if (lostSample.length < listed) lostSample.push(key);
      }
    }
    const namedCount = named ? named.reduce((n, b) => n + b, 0) : 0;
    index = {
      file: idx.file,
      entries: i?.length ?? 0,
      keys: i?.size ?? 0,
      named: namedCount,
      pastEnd: bad.pastEnd,
      inDamage: bad.inDamage,
      insideRecords: bad.insideRecords,
      unindexed: i ? keys.unindexed : recovered,
      lostKeys,
      lostSample,
      unreadable: idx.unreadable,
      rebuilt: i === null || bad.total > 0 || keys.unindexed > 0 || namedCount !== i.length,
    };
  }

  let layoutClaims: LayoutClaims | null = null;
  const header = layoutHeader as number[] | null;
  if (header && Number.isInteger(header[0]) && Number.isInteger(header[1]) && header[0]! >= 1 && header[1]! >= header[0]!) {
    layoutClaims = { imagesClaimed: header[0]! - 1, imagesFound, identitiesClaimed: header[1]! - header[0]!, identitiesFound };
  }

  const undecodable = setAside ?? null;
  const lost =
    damage.bytes > 0 ||
    (index?.lostKeys ?? 0) > 0 ||
    (undecodable?.records ?? 0) > 0 ||
    (layoutClaims !== null && (layoutClaims.imagesFound < layoutClaims.imagesClaimed || layoutClaims.identitiesFound < layoutClaims.identitiesClaimed));
  return { ...result!, input: name, inputBytes: size, damage, suspect, index, layoutClaims, keyedByPosition, decoded, undecodable, lost };
}

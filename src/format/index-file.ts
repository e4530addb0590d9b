/**
 * `.idx` files: one `key<TAB>offset` line per record, the offset being where
 * the record's first chunk starts in the `.rec`. MXNet's Python writes a TAB
 * and reads by splitting on it; dmlc's C++ splits on any whitespace and
 * ignores the keys. We write TABs and read either.
 *
 * Keys are kept as written (im2rec writes the `.lst` index). Lookups take a
 * string or an integer (a number or, for ids from 2^53, a bigint). A key listed twice maps to its last offset, as
 * MXIndexedRecordIO's dict does.
 *
 * Memory is a few bytes per entry, whatever the file's size: a file is read
 * a piece at a time (io/text-lines.ts) into typed arrays (integer keys as
 * 32-bit integers where they fit, offsets likewise), never as one string or
 * an object per entry; the lookups by key and by offset are built when first
 * asked for, at 4 to 8 bytes an entry. Keys that are not plain integers are
 * kept as their bytes, one after the other, not as a string each. An index
 * holds at most MAX_INDEX_ENTRIES entries and MAX_INDEX_KEY_BYTES of such
 * keys: past either it is a LimitError naming the line.
 */
import { type MakeOutput, createOutput, createOutputSync, publishing } from '../io/output-file.js';
import { displayLocation } from '../io/display-name.js';
import type { RemoteOptions } from '../io/store.js';
import { withExtension } from '../io/locations.js';
import { LimitError, MAX_INDEX_BYTES, MAX_INDEX_ENTRIES, MAX_INDEX_KEY_BYTES } from '../io/limits.js';
import { type LineHandler, readLines, readLinesSync } from '../io/text-lines.js';
import { IndexFileError } from './errors.js';
import { UsageError, quoted } from '../util/errors.js';
import { type Steps, runAsync, runSync, settle, step } from '../util/steps.js';

/** A key as given to a lookup or a write: a string as the `.idx` stores it, or an integer (a record id). */
export type IndexKey = string | number | bigint;

export interface IndexEntry {
  key: string;
  offset: number;
  /** 1-based line in the file it was read from (0 when built in memory). */
  line: number;
}

export interface IndexReadOptions {
  /** Refuse an `.idx` larger than this. Default 1 GiB (about 50 million entries). */
  maxBytes?: number;
}

const UINT32_LIMIT = 2 ** 32;

/** A key that is a plain integer as written (no sign, no leading zeros, exact as a double), as a number; else NaN. */
function integerKeyOf(key: string): number {
  return /^(0|[1-9]\d{0,14})$/.test(key) ? Number(key) : NaN;
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c;

/** Integers, 32-bit while they fit, 64-bit floats (exact to 2^53) once one does not. */
type Numbers = Uint32Array | Float64Array;

/**
 * A copy of the first `used` numbers of `array` with room for `capacity`
 * (wide: as 64-bit floats). Only those are copied: the rest is fresh zeroed
 * memory, which costs nothing until written.
 */
function resized(array: Numbers, capacity: number, used: number, wide = array instanceof Float64Array): Numbers {
  const next = wide ? new Float64Array(capacity) : new Uint32Array(capacity);
  next.set(array.subarray(0, Math.min(used, capacity)));
  return next;
}

export class RecordIndex {
  private count = 0;
  /** Keys while all are plain integers (Uint32Array until one does not fit); null once one is not. */
  private intKeys: Numbers | null = new Uint32Array(1024);
  /** Once a key is not a plain integer: every key's UTF-8 bytes, one after the other, and where each ends. */
  private keyText: KeyText | null = null;
  private offsets: Numbers = new Uint32Array(1024);
  /** Line numbers, only once one differs from its entry's position + 1 (after a blank line). */
  private lines: Uint32Array | null = null;
  /** Entries from here on were added in memory (line 0), unless `lines` says otherwise. */
  private firstAdded = Infinity;
  /** Built when first needed; dropped when an entry is added. */
  private byKey: KeyTable | Int32Array | null = null;
  private byOffset: Uint32Array | null | undefined;
  private distinct = -1;

  constructor(
    /** Entries to start with, in file order. */
    entries: readonly IndexEntry[] = [],
    /** Where it was read from, for messages. */
    readonly file = '<index>',
  ) {
    for (const e of entries) this.addKey(checkIndexKey(e.key), e.offset, e.line);
  }

  /** Parses `.idx` text held in memory. */
  static parse(text: string, file = '<index>'): RecordIndex {
    const index = new RecordIndex([], file);
    const bytes = Buffer.from(text);
    let from = 0;
    let line = 1;
    for (let nl = bytes.indexOf(0x0a); ; nl = bytes.indexOf(0x0a, from)) {
      const end = nl < 0 ? bytes.length : nl;
      index.parseLine(bytes, from, end > from && bytes[end - 1] === 0x0d ? end - 1 : end, line++);
      if (nl < 0) break;
      from = nl + 1;
    }
    return index.trimmed();
  }

  /** Reads a local `.idx` a piece at a time. */
  static readSync(file: string, options: IndexReadOptions = {}): RecordIndex {
    const index = new RecordIndex([], file);
    readLinesSync(file, index.lineHandler(), index.readOptions(options));
    return index.trimmed();
  }

  /** Reads an `.idx` from a path, an http(s):// URL or an s3:// object, a piece at a time. */
  static async read(location: string, remote?: RemoteOptions, options: IndexReadOptions = {}): Promise<RecordIndex> {
    const index = new RecordIndex([], displayLocation(location));
    await readLines(location, index.lineHandler(), { ...index.readOptions(options), remote });
    return index.trimmed();
  }

  private readOptions(options: IndexReadOptions): { maxBytes: number; maxBytesOption: string; onSize: (bytes: number) => void } {
    return {
      maxBytes: options.maxBytes ?? MAX_INDEX_BYTES,
      maxBytesOption: 'the maxBytes option of RecordIndex.read raises it',
      // Room for every entry a file this size can hold (lines of 4 bytes), so the arrays never grow (a copy
      // each time): zeroed memory that is never written is only reserved, not used (trimmed() keeps it so).
      onSize: (bytes) => this.reserve(Math.max(this.offsets.length, entriesRoom(bytes))),
    };
  }

  private lineHandler(): LineHandler {
    return (bytes, start, end, line) => this.parseLine(bytes, start, end, line);
  }

  /** A line's entry (parseIndexLine): the key as a plain integer, else (`int` NaN) as bytes[keyStart, keyEnd). */
  private readonly onEntry: OnEntry = (bytes, keyStart, keyEnd, int, offset, line) => {
    if (Number.isNaN(int)) this.push(NaN, asciiOrRecoded(bytes, keyStart, keyEnd), offset, line);
    else this.push(int, null, offset, line);
  };

  private parseLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    parseIndexLine(this.file, this.onEntry, bytes, start, end, line);
  }

  /** Appends an entry whose key is checked (a plain integer goes in as a number). */
  private addKey(key: string, offset: number, line: number): void {
    const int = integerKeyOf(key);
    this.push(int, Number.isNaN(int) ? Buffer.from(key) : null, offset, line);
  }

  /** Appends one entry: its key as a plain integer, or (`int` NaN) as its UTF-8 bytes. */
  private push(int: number, bytes: Uint8Array | null, offset: number, line: number): void {
    const n = this.count;
    if (n === MAX_INDEX_ENTRIES) throw tooManyEntries(this.file, line);
    if (n === this.offsets.length) this.reserve(Math.min(n * 2, MAX_INDEX_ENTRIES));
    if (bytes === null && this.intKeys) {
      if (int >= UINT32_LIMIT && this.intKeys instanceof Uint32Array) this.intKeys = resized(this.intKeys, this.intKeys.length, n, true);
      this.intKeys[n] = int;
    } else {
      if (!this.keyText) {
        const keys = new KeyText(this.file, this.offsets.length);
        for (let i = 0; i < n; i++) keys.push(i, Buffer.from(String(this.intKeys![i])), line);
        this.keyText = keys;
        this.intKeys = null;
      }
      this.keyText.push(n, bytes ?? Buffer.from(String(int)), line);
    }
    if (offset >= UINT32_LIMIT && this.offsets instanceof Uint32Array) this.offsets = resized(this.offsets, this.offsets.length, n, true);
    this.offsets[n] = offset;
    if (line === 0 && !this.lines) this.firstAdded = Math.min(this.firstAdded, n);
    else if (line !== this.lineAt(n) && !this.lines) {
      const lines = new Uint32Array(this.offsets.length);
      for (let i = 0; i < n; i++) lines[i] = this.lineAt(i);
      this.lines = lines;
    }
    if (this.lines) this.lines[n] = line;
    this.count = n + 1;
    this.byKey = null;
    this.byOffset = undefined;
    this.distinct = -1;
  }

  private reserve(capacity: number): void {
    this.offsets = resized(this.offsets, capacity, this.count);
    if (this.intKeys) this.intKeys = resized(this.intKeys, capacity, this.count);
    this.keyText?.reserve(capacity, this.count);
    if (this.lines) this.lines = resized(this.lines, capacity, this.count) as Uint32Array;
  }

  /**
   * Done reading. The arrays keep their room: what was never written costs
   * no memory, and copying them to size would hold them twice for a while.
   */
  private trimmed(): this {
    return this;
  }

  /** Entries, duplicates included. */
  get length(): number {
    return this.count;
  }

  keyAt(i: number): string {
    return this.intKeys ? String(this.intKeys[i]) : this.keyText!.keyAt(i);
  }

  offsetAt(i: number): number {
    return this.offsets[i]!;
  }

  /** 1-based line of entry `i` in the file read (0 when added in memory). */
  lineAt(i: number): number {
    return this.lines ? this.lines[i]! : i < this.firstAdded ? i + 1 : 0;
  }

  /** Entry `i` as an object. */
  entryAt(i: number): IndexEntry {
    return { key: this.keyAt(i), offset: this.offsetAt(i), line: this.lineAt(i) };
  }

  /** Every entry as an object, in file order: for small indexes (big ones: length and keyAt/offsetAt). */
  get entries(): IndexEntry[] {
    return Array.from({ length: this.count }, (_, i) => this.entryAt(i));
  }

  /**
   * Key → entry position, the last entry of a key winning: a table indexed
   * by the key when the integer keys are dense (im2rec's 0..n-1, at most 8
   * bytes an entry), else a KeyTable (8 bytes an entry; a Map took about 80
   * and holds at most 2^24).
   */
  private keyLookup(): KeyTable | Int32Array {
    if (this.byKey) return this.byKey;
    const ints = this.intKeys;
    let max = -1;
    if (ints) for (let i = 0; i < this.count; i++) max = Math.max(max, ints[i]!);
    if (ints && max < 2 * this.count + 1024) {
      const table = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < this.count; i++) table[ints[i]!] = i;
      this.byKey = table;
    } else {
      this.byKey = new KeyTable(this.count, (i) => this.hashAt(i), (i, j) => this.sameKey(i, j));
    }
    return this.byKey;
  }

  private hashAt(i: number): number {
    return this.intKeys ? hashNumber(this.intKeys[i]!) : this.keyText!.hashAt(i);
  }

  private sameKey(i: number, j: number): boolean {
    return this.intKeys ? this.intKeys[i] === this.intKeys[j] : this.keyText!.same(i, j);
  }

  private positionOf(key: IndexKey): number {
    const lookup = this.keyLookup();
    if (lookup instanceof KeyTable) {
      const text = String(key);
      if (this.intKeys) {
        const k = integerKeyOf(text);
        return Number.isNaN(k) ? -1 : lookup.find(hashNumber(k), (i) => this.intKeys![i] === k);
      }
      const bytes = Buffer.from(text);
      return lookup.find(hashBytes(bytes, 0, bytes.length), (i) => this.keyText!.equals(i, bytes));
    }
    const k = typeof key === 'number' ? key : integerKeyOf(String(key));
    return Number.isInteger(k) && k >= 0 && k < lookup.length ? lookup[k]! : -1;
  }

  /**
   * Number of distinct keys. Integer keys are counted by sorting a copy of
   * them (4 or 8 bytes an entry, let go at once: no lookup is built), other
   * keys through the lookup by key (a sorted table of their hashes, 8 bytes
   * an entry). Kept until an entry is added.
   */
  get size(): number {
    if (this.distinct >= 0) return this.distinct;
    if (!this.intKeys) return (this.distinct = (this.keyLookup() as KeyTable).distinct);
    const keys = this.intKeys.slice(0, this.count).sort();
    let n = 0;
    for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) n++;
    return (this.distinct = n);
  }

  /** The offset of `key`'s record, or undefined. */
  get(key: IndexKey): number | undefined {
    const at = this.positionOf(key);
    return at < 0 ? undefined : this.offsetAt(at);
  }

  has(key: IndexKey): boolean {
    return this.positionOf(key) >= 0;
  }

  /** Entry positions in offset order (equal offsets in file order), or null when the file is in that order already. */
  positionsByOffset(): Uint32Array | null {
    if (this.byOffset !== undefined) return this.byOffset;
    let sorted = true;
    for (let i = 1; i < this.count && sorted; i++) sorted = this.offsets[i - 1]! <= this.offsets[i]!;
    return (this.byOffset = sorted ? null : sortByOffset(this.offsets, this.count));
  }

  /** The key naming the record at `offset` (the last entry with that offset), or undefined. */
  keyAtOffset(offset: number): string | undefined {
    const order = this.positionsByOffset();
    const at = (k: number) => (order ? order[k]! : k);
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[at(mid)]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && this.offsets[at(lo - 1)] === offset ? this.keyAt(at(lo - 1)) : undefined;
  }

  /** Offset → key for every entry (the last entry wins): for small indexes (big ones: keyAtOffset). */
  keysByOffset(): Map<number, string> {
    const map = new Map<number, string>();
    for (let i = 0; i < this.count; i++) map.set(this.offsetAt(i), this.keyAt(i));
    return map;
  }

  /** Distinct keys, in the order they first appear. */
  keys(): string[] {
    const seen = new Set<string>();
    for (let i = 0; i < this.count; i++) seen.add(this.keyAt(i));
    return [...seen];
  }

  add(key: IndexKey, offset: number): void {
    this.addKey(checkIndexKey(key), offset, 0);
  }

  /** The `.idx` text: `key\toffset\n` per entry, in entry order (for small indexes; writeSync streams). */
  toString(): string {
    let text = '';
    for (let i = 0; i < this.count; i++) text += `${this.keyAt(i)}\t${this.offsetAt(i)}\n`;
    return text;
  }

  /** The `.idx` text in pieces of about 64 KiB (memory stays flat for any number of entries). */
  private *textPieces(): Generator<Buffer> {
    let text = '';
    for (let i = 0; i < this.count; i++) {
      text += `${this.keyAt(i)}\t${this.offsetAt(i)}\n`;
      if (text.length >= 1 << 16) {
        yield Buffer.from(text);
        text = '';
      }
    }
    yield Buffer.from(text);
  }

  /**
   * Writes the index to a local `file` (temporary file, then rename), a piece
   * at a time; an existing file only with `overwrite`. A location whose store
   * writes only asynchronously (s3://) is a LocalOnlyError: use write().
   */
  writeSync(file: string, options: { overwrite?: boolean; fsync?: boolean } = {}): void {
    runSync(this.writing(file, options, createOutputSync));
  }

  /** writeSync() for a path or an s3://bucket/key (streamed into an upload, published when complete). */
  write(location: string, options: { overwrite?: boolean; fsync?: boolean } = {}): Promise<void> {
    return runAsync(this.writing(location, options, createOutput));
  }

  /** writeSync() and write(), as steps. */
  private *writing(location: string, options: { overwrite?: boolean; fsync?: boolean }, make: MakeOutput): Steps<void> {
    const out = yield* step(make(location, { overwrite: options.overwrite }));
    try {
      for (const piece of this.textPieces()) {
        out.writeSync(piece);
        yield* step(out.ready());
      }
    } catch (err) {
      yield* settle(out.abort());
      throw err;
    }
    yield* publishing([out], options);
  }
}

/** Positions (below MAX_INDEX_ENTRIES, 26 bits) and the low 26 bits of offsets, packed into doubles with position. */
const POSITION = 2 ** 26;

/**
 * Positions 0..count-1 ordered by offset, then position, by native sorts of
 * exact doubles instead of a comparator (which took minutes and about 16
 * bytes an entry for tens of millions): first by (offset / 2^26, position),
 * then each run of equal high parts by (offset % 2^26, position). Both fit
 * in 53 bits, as positions are below 2^26 and offsets below 2^53.
 */
function sortByOffset(offsets: Numbers, count: number): Uint32Array {
  const packed = new Float64Array(count);
  for (let i = 0; i < count; i++) packed[i] = Math.floor(offsets[i]! / POSITION) * POSITION + i;
  packed.sort();
  for (let from = 0; from < count; ) {
    const high = Math.floor(packed[from]! / POSITION);
    let to = from + 1;
    while (to < count && Math.floor(packed[to]! / POSITION) === high) to++;
    if (to - from > 1) {
      const run = packed.subarray(from, to);
      for (let k = 0; k < run.length; k++) {
        const i = run[k]! % POSITION;
        run[k] = (offsets[i]! % POSITION) * POSITION + i;
      }
      run.sort();
    }
    from = to;
  }
  // The positions go into the first half of the same memory (the k-th is written over doubles already read),
  // so that no second array of them is made while this one waits to be collected.
  const order = new Uint32Array(packed.buffer, 0, count);
  for (let k = 0; k < count; k++) order[k] = packed[k]! % POSITION;
  return order;
}

/** Takes one entry as parseIndexLine found it (`int`: the key as a plain integer, else NaN). */
type OnEntry = (bytes: Uint8Array, keyStart: number, keyEnd: number, int: number, offset: number, line: number) => void;

/**
 * One line: `key` whitespace `offset`, blank lines skipped. Written as
 * plain loops over the bytes (no strings unless a key is not an integer):
 * it runs once per entry, tens of millions of times for a big dataset.
 */
function parseIndexLine(file: string, onEntry: OnEntry, bytes: Uint8Array, start: number, end: number, line: number): void {
  let i = start;
  while (i < end && isSpace(bytes[i]!)) i++;
  if (i === end) return;
  const keyStart = i;
  let key = 0;
  let keyIsInteger = true;
  for (; i < end; i++) {
    const b = bytes[i]!;
    if (isSpace(b)) break;
    if (b < 0x30 || b > 0x39) keyIsInteger = false;
    else key = key * 10 + (b - 0x30);
  }
  const keyEnd = i;
  // A plain integer as written: no leading zeros, exact as a double.
  if (keyEnd - keyStart > 15 || (bytes[keyStart] === 0x30 && keyEnd - keyStart > 1)) keyIsInteger = false;
  while (i < end && isSpace(bytes[i]!)) i++;
  const offsetStart = i;
  let offset = 0;
  let offsetIsInteger = true;
  for (; i < end; i++) {
    const b = bytes[i]!;
    if (isSpace(b)) break;
    if (b < 0x30 || b > 0x39) offsetIsInteger = false;
    else offset = offset * 10 + (b - 0x30);
  }
  const offsetEnd = i;
  while (i < end && isSpace(bytes[i]!)) i++;
  if (offsetStart === offsetEnd || i !== end) {
    throw new IndexFileError(file, line, `expected "key<TAB>offset", received ${quoted(text(bytes, start, end), 80)}`);
  }
  if (!offsetIsInteger || !Number.isSafeInteger(offset)) {
    throw new IndexFileError(file, line, `expected a byte offset (non-negative integer), received ${quoted(text(bytes, offsetStart, offsetEnd), 40)}`);
  }
  onEntry(bytes, keyStart, keyEnd, keyIsInteger ? key : NaN, offset, line);
}

/** The refusal past MAX_INDEX_ENTRIES (`line` 0: an entry added in memory). */
function tooManyEntries(file: string, line: number): LimitError {
  if (line > 0) return new LimitError(`${file}:${line}: expected at most ${MAX_INDEX_ENTRIES} index entries, received more`);
  // Written here: an index mxrec itself could not read back.
  return new LimitError(`${file}: expected at most ${MAX_INDEX_ENTRIES} records in one .rec and its index (the most an .idx read here holds), received more; write the dataset in parts (rec split IN.rec OUT1.rec OUT2.rec ...)`);
}

/** Room reserved for the entries of an `.idx` of `bytes` bytes: as many as it can hold (lines of 4 bytes), up to the cap. */
function entriesRoom(bytes: number): number {
  return Math.min(Math.ceil(bytes / 4), MAX_INDEX_ENTRIES);
}

/**
 * The offsets of an `.idx` in file order, and nothing else (4 or 8 bytes an
 * entry): all that dmlc's indexed reader takes from it, the keys being
 * ignored. `onOffset` sees each offset with its line first (to refuse one
 * past the end of the `.rec`, say). Same format, caps and errors as
 * RecordIndex.read; room for every entry the file can hold is reserved up
 * front and only the part written costs memory.
 */
export async function readIndexOffsets(location: string, onOffset: (offset: number, line: number) => void, remote?: RemoteOptions): Promise<Uint32Array | Float64Array> {
  const list = new OffsetList(displayLocation(location), onOffset);
  await readLines(location, list.lineHandler, { ...list.readOptions, remote });
  return list.offsets();
}

/** readIndexOffsets for a local file, synchronously. */
export function readIndexOffsetsSync(file: string, onOffset: (offset: number, line: number) => void): Uint32Array | Float64Array {
  const list = new OffsetList(file, onOffset);
  readLinesSync(file, list.lineHandler, list.readOptions);
  return list.offsets();
}

class OffsetList {
  private values: Numbers = new Uint32Array(0);
  private count = 0;

  constructor(
    private readonly file: string,
    private readonly onOffset: (offset: number, line: number) => void,
  ) {}

  readonly readOptions = {
    maxBytes: MAX_INDEX_BYTES,
    maxBytesOption: 'the maxBytes option of RecordIndex.read raises it',
    onSize: (bytes: number) => (this.values = new Uint32Array(entriesRoom(bytes))),
  };

  private readonly onEntry: OnEntry = (_bytes, _keyStart, _keyEnd, _int, offset, line) => {
    this.onOffset(offset, line);
    const n = this.count;
    if (n === MAX_INDEX_ENTRIES) throw tooManyEntries(this.file, line);
    if (offset >= UINT32_LIMIT && this.values instanceof Uint32Array) this.values = resized(this.values, this.values.length, n, true);
    this.values[n] = offset;
    this.count = n + 1;
  };

  readonly lineHandler: LineHandler = (bytes, start, end, line) => parseIndexLine(this.file, this.onEntry, bytes, start, end, line);

  offsets(): Uint32Array | Float64Array {
    return this.values.subarray(0, this.count);
  }
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
}

/**
 * A key's bytes as they will be kept: a view when they are ASCII (nearly
 * always), else re-encoded from the string they read as, so that keys that
 * read the same (invalid UTF-8 reads as U+FFFD) are the same key, as before.
 */
function asciiOrRecoded(bytes: Uint8Array, start: number, end: number): Uint8Array {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return Buffer.from(text(bytes, start, end));
  return bytes.subarray(start, end);
}

/** Seeds the hashes of keys per process, so that no file can be made whose keys all collide. */
const HASH_SEED = (Math.random() * UINT32_LIMIT) >>> 0;
const HASH_SEED_HIGH = (Math.random() * UINT32_LIMIT) >>> 0;

/** MurmurHash3's finalizer: a bijection on 32 bits that spreads every input bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * 32 bits of a key that is an integer: seeded, so a file cannot choose keys
 * that share one hash (a lookup would walk them all), and a bijection on
 * 32-bit keys, so those never collide.
 */
function hashNumber(key: number): number {
  const high = Math.floor(key / UINT32_LIMIT);
  return mix32(mix32((key >>> 0) ^ HASH_SEED) ^ high ^ HASH_SEED_HIGH);
}

/** 32 bits of a key's bytes (FNV-1a from a random basis). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Keys that are not all plain integers: their UTF-8 bytes, one after the other, and where each ends. */
class KeyText {
  private bytes: Buffer = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private ends: Uint32Array;

  constructor(
    private readonly file: string,
    capacity: number,
  ) {
    this.ends = new Uint32Array(capacity);
  }

  reserve(capacity: number, used: number): void {
    this.ends = resized(this.ends, capacity, used) as Uint32Array;
  }

  push(i: number, key: Uint8Array, line: number): void {
    if (this.used + key.length > MAX_INDEX_KEY_BYTES) {
      throw new LimitError(`${this.file}${line > 0 ? `:${line}` : ''}: expected at most ${MAX_INDEX_KEY_BYTES} bytes of keys that are not integers, received more`);
    }
    if (this.used + key.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(2 * this.bytes.length, this.used + key.length), MAX_INDEX_KEY_BYTES));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.bytes.set(key, this.used);
    this.used += key.length;
    this.ends[i] = this.used;
  }

  private start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  keyAt(i: number): string {
    return this.bytes.toString('utf8', this.start(i), this.ends[i]);
  }

  hashAt(i: number): number {
    return hashBytes(this.bytes, this.start(i), this.ends[i]!);
  }

  same(i: number, j: number): boolean {
    return this.bytes.compare(this.bytes, this.start(j), this.ends[j], this.start(i), this.ends[i]) === 0;
  }

  equals(i: number, key: Uint8Array): boolean {
    return this.bytes.compare(key, 0, key.length, this.start(i), this.ends[i]) === 0;
  }
}

/**
 * Entry positions sorted by (hash of the key, position), as 64-bit words:
 * 8 bytes an entry, sorted natively. A lookup is a binary search for the
 * hash, then a walk back over its run to the last entry with the key; the
 * distinct keys are counted in one pass over the runs.
 */
class KeyTable {
  /** The sorted words as 32-bit halves (little-endian): [2k] the position, [2k + 1] the hash. */
  private readonly words: Uint32Array;
  private readonly length: number;

  constructor(
    count: number,
    hashAt: (i: number) => number,
    private readonly same: (i: number, j: number) => boolean,
  ) {
    const sorted = new BigUint64Array(count);
    const words = new Uint32Array(sorted.buffer);
    for (let i = 0; i < count; i++) {
      words[2 * i] = i;
      words[2 * i + 1] = hashAt(i);
    }
    sorted.sort();
    this.words = words;
    this.length = count;
  }

  /** The last position whose key has `hash` and passes `matches`, or -1. */
  find(hash: number, matches: (i: number) => boolean): number {
    // The end of the hash's run: the first word with a larger hash.
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.words[2 * mid + 1]! <= hash) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo - 1; k >= 0 && this.words[2 * k + 1] === hash; k--) if (matches(this.words[2 * k]!)) return this.words[2 * k]!;
    return -1;
  }

  /** Distinct keys: per run of one hash, the keys unlike every earlier one in the run. */
  get distinct(): number {
    let n = 0;
    const run: number[] = [];
    for (let k = 0; k < this.length; k++) {
      if (k === 0 || this.words[2 * k + 1] !== this.words[2 * k - 1]) run.length = 0;
      const i = this.words[2 * k]!;
      if (!run.some((j) => this.same(i, j))) {
        run.push(i);
        n++;
      }
    }
    return n;
  }
}

/** A key as the `.idx` stores it; keys with whitespace (or none) would not read back. */
export function checkIndexKey(key: IndexKey): string {
  const text = String(key);
  if (text === '' || /\s/.test(text)) {
    throw new UsageError(`expected an index key without whitespace, received ${quoted(text)}`);
  }
  return text;
}

/** The `.idx` path (or URL) that goes with a `.rec`: the same name with `.idx` for `.rec`. */
export function indexPathFor(recPath: string): string {
  return withExtension(recPath, /\.rec$/i, '.idx');
}

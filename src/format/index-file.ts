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
 * asked for. Only keys that are not plain integers are kept as strings.
 */
import { AtomicFile } from '../io/atomic-file.js';
import { commitOutputs, createOutput } from '../io/output-file.js';
import { displayLocation } from '../io/display-name.js';
import type { HttpOptions } from '../io/http-source.js';
import { withExtension } from '../io/locations.js';
import { type LineHandler, readLines, readLinesSync } from '../io/text-lines.js';
import { IndexFileError } from './errors.js';

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

/** The default ceiling on an `.idx` file's size. */
export const MAX_INDEX_BYTES = 1 << 30;

const UINT32_LIMIT = 2 ** 32;

/** A key that is a plain integer as written (no sign, no leading zeros, exact as a double), as a number; else NaN. */
function integerKeyOf(key: string): number {
  return /^(0|[1-9]\d{0,14})$/.test(key) ? Number(key) : NaN;
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c;

/** Integers, 32-bit while they fit, 64-bit floats (exact to 2^53) once one does not. */
type Numbers = Uint32Array | Float64Array;

/** A copy of `array` with room for `capacity` (wide: as 64-bit floats). */
function resized(array: Numbers, capacity: number, wide = array instanceof Float64Array): Numbers {
  const next = wide ? new Float64Array(capacity) : new Uint32Array(capacity);
  next.set(array.subarray(0, Math.min(array.length, capacity)));
  return next;
}

export class RecordIndex {
  private count = 0;
  /** Keys while all are plain integers (Uint32Array until one does not fit); null once one is not. */
  private intKeys: Numbers | null = new Uint32Array(1024);
  private strKeys: string[] | null = null;
  private offsets: Numbers = new Uint32Array(1024);
  /** Line numbers, only once one differs from its entry's position + 1 (after a blank line). */
  private lines: Uint32Array | null = null;
  /** Entries from here on were added in memory (line 0), unless `lines` says otherwise. */
  private firstAdded = Infinity;
  /** Built when first needed; dropped when an entry is added. */
  private byKey: Map<string, number> | Int32Array | null = null;
  private byOffset: Uint32Array | null | undefined;

  constructor(
    /** Entries to start with, in file order. */
    entries: readonly IndexEntry[] = [],
    /** Where it was read from, for messages. */
    readonly file = '<index>',
  ) {
    for (const e of entries) this.push(checkIndexKey(e.key), e.offset, e.line);
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

  /** Reads an `.idx` from a path or an http(s):// URL, a piece at a time. */
  static async read(location: string, http?: HttpOptions, options: IndexReadOptions = {}): Promise<RecordIndex> {
    const index = new RecordIndex([], displayLocation(location));
    await readLines(location, index.lineHandler(), { ...index.readOptions(options), http });
    return index.trimmed();
  }

  private readOptions(options: IndexReadOptions): { maxBytes: number; maxBytesOption: string; onSize: (bytes: number) => void } {
    return {
      maxBytes: options.maxBytes ?? MAX_INDEX_BYTES,
      maxBytesOption: 'the maxBytes option of RecordIndex.read raises it',
      // Room for the entries a file this size holds (lines of about 16 bytes), so the arrays rarely grow.
      onSize: (bytes) => this.reserve(Math.max(this.offsets.length, Math.ceil(bytes / 16))),
    };
  }

  private lineHandler(): LineHandler {
    return (bytes, start, end, line) => this.parseLine(bytes, start, end, line);
  }

  /**
   * One line: `key` whitespace `offset`, blank lines skipped. Written as
   * plain loops over the bytes (no strings unless a key is not an integer):
   * it runs once per entry, tens of millions of times for a big dataset.
   */
  private parseLine(bytes: Uint8Array, start: number, end: number, line: number): void {
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
      throw new IndexFileError(this.file, line, `expected "key<TAB>offset", received ${JSON.stringify(text(bytes, start, Math.min(end, start + 80)))}`);
    }
    if (!offsetIsInteger || !Number.isSafeInteger(offset)) {
      throw new IndexFileError(this.file, line, `expected a byte offset (non-negative integer), received ${JSON.stringify(text(bytes, offsetStart, offsetEnd))}`);
    }
    this.push(keyIsInteger ? key : text(bytes, keyStart, keyEnd), offset, line);
  }

  /** Appends one entry (key already checked). */
  private push(key: string | number, offset: number, line: number): void {
    const n = this.count;
    if (n === this.offsets.length) this.reserve(n * 2);
    if (typeof key === 'number' && this.intKeys) {
      if (key >= UINT32_LIMIT && this.intKeys instanceof Uint32Array) this.intKeys = resized(this.intKeys, this.intKeys.length, true);
      this.intKeys[n] = key;
    } else {
      if (!this.strKeys) {
        this.strKeys = Array.from(this.intKeys!.subarray(0, n), String);
        this.intKeys = null;
      }
      this.strKeys.push(String(key));
    }
    if (offset >= UINT32_LIMIT && this.offsets instanceof Uint32Array) this.offsets = resized(this.offsets, this.offsets.length, true);
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
  }

  private reserve(capacity: number): void {
    this.offsets = resized(this.offsets, capacity);
    if (this.intKeys) this.intKeys = resized(this.intKeys, capacity);
    if (this.lines) this.lines = resized(this.lines, capacity) as Uint32Array;
  }

  /** Gives back the unused end of the arrays. */
  private trimmed(): this {
    if (this.offsets.length > this.count + 1024) this.reserve(this.count);
    return this;
  }

  /** Entries, duplicates included. */
  get length(): number {
    return this.count;
  }

  keyAt(i: number): string {
    return this.intKeys ? String(this.intKeys[i]) : this.strKeys![i]!;
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
   * by the key when the integer keys are dense (im2rec's 0..n-1), else a Map.
   */
  private keyLookup(): Map<string, number> | Int32Array {
    if (this.byKey) return this.byKey;
    const ints = this.intKeys;
    let max = -1;
    if (ints) for (let i = 0; i < this.count; i++) max = Math.max(max, ints[i]!);
    if (ints && max < 4 * this.count + 1024) {
      const table = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < this.count; i++) table[ints[i]!] = i;
      this.byKey = table;
    } else {
      const map = new Map<string, number>();
      for (let i = 0; i < this.count; i++) map.set(this.keyAt(i), i);
      this.byKey = map;
    }
    return this.byKey;
  }

  private positionOf(key: IndexKey): number {
    const lookup = this.keyLookup();
    if (lookup instanceof Map) return lookup.get(String(key)) ?? -1;
    const k = typeof key === 'number' ? key : integerKeyOf(String(key));
    return Number.isInteger(k) && k >= 0 && k < lookup.length ? lookup[k]! : -1;
  }

  /** Number of distinct keys (integer keys are counted by sorting a copy: no lookup is built). */
  get size(): number {
    if (!this.intKeys) return (this.keyLookup() as Map<string, number>).size;
    const keys = Float64Array.from(this.intKeys.subarray(0, this.count)).sort();
    let n = 0;
    for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) n++;
    return n;
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
    if (sorted) return (this.byOffset = null);
    const order = Uint32Array.from({ length: this.count }, (_, i) => i);
    const offsets = this.offsets;
    order.sort((a, b) => offsets[a]! - offsets[b]! || a - b);
    return (this.byOffset = order);
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
    const checked = checkIndexKey(key);
    const int = integerKeyOf(checked);
    this.push(Number.isNaN(int) ? checked : int, offset, 0);
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
   * Writes the index to `file` atomically (temporary file, then rename), a
   * piece at a time; an existing file only with `overwrite`.
   */
  writeSync(file: string, options: { overwrite?: boolean; fsync?: boolean } = {}): void {
    const out = AtomicFile.create(file, { overwrite: options.overwrite });
    try {
      for (const piece of this.textPieces()) out.writeSync(piece);
      out.commit(options);
    } catch (err) {
      out.abort();
      throw err;
    }
  }

  /** writeSync() for a path or an s3://bucket/key (streamed into an upload, published when complete). */
  async write(location: string, options: { overwrite?: boolean; fsync?: boolean } = {}): Promise<void> {
    const out = await createOutput(location, { overwrite: options.overwrite });
    try {
      for (const piece of this.textPieces()) {
        out.writeSync(piece);
        await out.ready();
      }
    } catch (err) {
      await out.abort();
      throw err;
    }
    await commitOutputs([out], options);
  }
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
}

/** A key as the `.idx` stores it; keys with whitespace (or none) would not read back. */
export function checkIndexKey(key: IndexKey): string {
  const text = String(key);
  if (text === '' || /\s/.test(text)) {
    throw new RangeError(`expected an index key without whitespace, received ${JSON.stringify(text)}`);
  }
  return text;
}

/** The `.idx` path (or URL) that goes with a `.rec`: the same name with `.idx` for `.rec`. */
export function indexPathFor(recPath: string): string {
  return withExtension(recPath, /\.rec$/i, '.idx');
}

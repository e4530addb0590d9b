/**
 * `.idx` files: one `key<TAB>offset` line per record, the offset being where
 * the record's first chunk starts in the `.rec`. MXNet's Python writes a TAB
 * and reads by splitting on it; dmlc's C++ splits on any whitespace and
 * ignores the keys. We write TABs and read either.
 *
 * Keys are kept as strings, as written (im2rec writes the `.lst` index).
 * Lookups take a string or an integer. A key listed twice maps to its last
 * offset, as MXIndexedRecordIO's dict does.
 */
import fs from 'node:fs';
import { writeFileAtomic } from '../io/atomic-file.js';
import { displayLocation } from '../io/display-name.js';
import type { HttpOptions } from '../io/http-source.js';
import { readTextLocation, withExtension } from '../io/locations.js';
import { IndexFileError } from './errors.js';

export interface IndexEntry {
  key: string;
  offset: number;
  /** 1-based line in the file it was read from (0 when built in memory). */
  line: number;
}

export class RecordIndex {
  private readonly byKey = new Map<string, number>();

  constructor(
    /** Entries in file order, duplicates included. */
    readonly entries: IndexEntry[] = [],
    /** Where it was read from, for messages. */
    readonly file = '<index>',
  ) {
    for (const entry of entries) this.byKey.set(entry.key, entry.offset);
  }

  static parse(text: string, file = '<index>'): RecordIndex {
    const entries: IndexEntry[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      const line = raw.trim();
      if (line === '') continue;
      const fields = line.split(/\s+/);
      if (fields.length !== 2) {
        throw new IndexFileError(file, i + 1, `expected "key<TAB>offset", received ${JSON.stringify(raw.slice(0, 80))}`);
      }
      const [key, offsetText] = fields as [string, string];
      const offset = /^\d+$/.test(offsetText) ? Number(offsetText) : NaN;
      if (!Number.isSafeInteger(offset)) {
        throw new IndexFileError(file, i + 1, `expected a byte offset (non-negative integer), received ${JSON.stringify(offsetText)}`);
      }
      entries.push({ key, offset, line: i + 1 });
    }
    return new RecordIndex(entries, file);
  }

  static readSync(file: string): RecordIndex {
    return RecordIndex.parse(fs.readFileSync(file, 'utf8'), file);
  }

  /** Reads an `.idx` from a path or an http(s):// URL. */
  static async read(location: string, http?: HttpOptions): Promise<RecordIndex> {
    return RecordIndex.parse(await readTextLocation(location, http), displayLocation(location));
  }

  /** Number of distinct keys. */
  get size(): number {
    return this.byKey.size;
  }

  /** The offset of `key`'s record, or undefined. */
  get(key: string | number): number | undefined {
    return this.byKey.get(String(key));
  }

  has(key: string | number): boolean {
    return this.byKey.has(String(key));
  }

  /** Offset → key: which key names the record at an offset (the last entry wins). */
  keysByOffset(): Map<number, string> {
    return new Map(this.entries.map((e) => [e.offset, e.key]));
  }

  /** Distinct keys, in the order they first appear. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  add(key: string | number, offset: number): void {
    const entry = { key: checkIndexKey(key), offset, line: 0 };
    this.entries.push(entry);
    this.byKey.set(entry.key, offset);
  }

  /** The `.idx` text: `key\toffset\n` per entry, in entry order. */
  toString(): string {
    let text = '';
    for (const { key, offset } of this.entries) text += `${key}\t${offset}\n`;
    return text;
  }

  /** Writes the index to `file` atomically (temporary file, then rename); an existing file only with `overwrite`. */
  writeSync(file: string, options: { overwrite?: boolean } = {}): void {
    writeFileAtomic(file, this.toString(), options);
  }
}

/** A key as the `.idx` stores it; keys with whitespace (or none) would not read back. */
export function checkIndexKey(key: string | number): string {
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

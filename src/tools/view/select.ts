/**
 * Which images `rec view` shows. Three ways, cheapest first:
 *   - with an `.idx`: a seeded random sample of the keys, each record read at
 *     its offset (a few reads however big the file);
 *   - without one: the first images in the file (a random sample would mean
 *     reading all of it);
 *   - per class: one pass over every record, keeping a seeded random sample of
 *     K offsets per label (offsets only, so memory is K per class), then the
 *     chosen records read again. A record's class is its first label.
 * Records without an image (insightface's header and identity records,
 * non-image payloads) are never shown.
 */
import { sniffFormat, type SniffedFormat } from '../../codec/sniff.js';
import { type RecordIndex } from '../../format/index-file.js';
import { float32ToNumber, type RecordId, tryUnpackImageRecord } from '../../format/image-record.js';
import { type RecordIORecord, type RecordReader, ReusedReads } from '../../format/reader.js';
import { VIEW_KEPT_BYTES } from '../../io/limits.js';
import { Rng } from '../../util/rng.js';
import { EventLoopTurns } from '../../util/turns.js';

export interface ViewItem {
  /** The `.idx` key, else the header id. */
  key: string;
  offset: number;
  id: RecordId;
  label: number[];
  format: SniffedFormat;
  /** Bytes of the image as stored. */
  size: number;
  /**
   * The image bytes (in memory of their own: see ownBytes) while the items
   * kept so far hold less than VIEW_KEPT_BYTES; else null, and they are read
   * again for the thumbnail (a sample of large images held them all).
   */
  image: Uint8Array | null;
}

export interface ViewGroup {
  /** The class: every item's first label. */
  label: number;
  /** Images of this class in the file. */
  total: number;
  items: ViewItem[];
}

export interface ViewSelection {
  /** How the images were picked, for the page and the log: "12 of 2000 images, picked at random (seed 0)". */
  how: string;
  items: ViewItem[];
  /** Per-class mode: the classes shown, ascending, with their items (the same objects as in `items`). */
  groups: ViewGroup[] | null;
}

export interface SelectOptions {
  /** The `.idx` (keys to sample from and to name images by); null: none. */
  index: RecordIndex | null;
  /** Images to show (without perClass). */
  count: number;
  /** Up to this many images of each class, for the first `classes` classes in label order, or for the labels `classes` lists. */
  perClass?: number;
  classes?: number | readonly number[];
  seed: number;
  /** Bytes scanned so far (per class, where every record is read). */
  onProgress?: (done: number, total: number) => void;
  /** Abort to stop: checked at every record read. */
  signal?: AbortSignal;
}

/** What the items of one selection keep: bytes so far. */
class Keeping {
  private kept = 0;

  /**
   * Bytes of a record read into fresh memory (as ownBytes gives them), or
   * with `reused` of a scan that reuses its memory (a copy); null once the
   * selection's images would pass VIEW_KEPT_BYTES.
   */
  keep(bytes: Uint8Array, reused = false): Uint8Array | null {
    if (this.kept + bytes.byteLength > VIEW_KEPT_BYTES) return null;
    this.kept += bytes.byteLength;
    return reused ? Uint8Array.from(bytes) : ownBytes(bytes);
  }
}

/**
 * Bytes of a record read into fresh memory (not a scan reusing its buffers):
 * as they are when they are most of that memory (a large image, not copied
 * again), else a copy, so that a small image does not keep its read window.
 */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return 2 * bytes.byteLength >= bytes.buffer.byteLength ? bytes : Uint8Array.from(bytes);
}

/** The item of a record (read into fresh memory unless `reused`: see Keeping), or null for a record without an image. */
function itemOf(record: RecordIORecord, key: string | undefined, keeping: Keeping, reused = false): ViewItem | null {
  const image = tryUnpackImageRecord(record.payload);
  if (!image || image.image.length === 0) return null;
  return {
    key: key ?? String(image.id),
    offset: record.offset,
    id: image.id,
    label: image.label.map(float32ToNumber),
    format: sniffFormat(image.image),
    size: image.image.length,
    image: keeping.keep(image.image, reused),
  };
}

/**
 * An item's image bytes: kept, or read again, from `reads` (valid until its
 * next read: for an image drawn alone) or else into fresh memory.
 */
export async function imageOf(reader: RecordReader, item: ViewItem, reads?: ReusedReads): Promise<Uint8Array> {
  if (item.image) return item.image;
  return tryUnpackImageRecord((await (reads ? reads.read(item.offset) : reader.read(item.offset))).payload)!.image;
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

export async function selectForView(reader: RecordReader, options: SelectOptions): Promise<ViewSelection> {
  if (options.perClass !== undefined) return perClass(reader, options, options.perClass, options.classes ?? Infinity);
  return options.index ? sampleByIndex(reader, options.index, options) : firstImages(reader, options);
}

/**
 * A partial Fisher-Yates over the index's entries, the swapped ones kept in a
 * Map: each draw is a new entry, until `count` images were found. Memory is
 * the draws, not the index.
 */
async function sampleByIndex(reader: RecordReader, index: RecordIndex, options: SelectOptions): Promise<ViewSelection> {
  const reads = new ReusedReads(reader);
  const n = index.length;
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const rng = new Rng(options.seed);
  const items: ViewItem[] = [];
  const keeping = new Keeping();
  for (let i = 0; i < n && items.length < options.count; i++) {
    const j = rng.int(i, n - 1);
    const picked = at(j);
    swapped.set(j, at(i));
    options.signal?.throwIfAborted();
    const item = itemOf(await reads.read(index.offsetAt(picked)), index.keyAt(picked), keeping, true);
    if (item) items.push(item);
  }
  items.sort((a, b) => a.offset - b.offset);
  const of = items.length < options.count ? 'all images' : `${plural(items.length, 'image')} picked at random (seed ${options.seed})`;
  return { how: `${of} of ${plural(n, 'indexed record')}`, items, groups: null };
}

async function firstImages(reader: RecordReader, options: SelectOptions): Promise<ViewSelection> {
  const items: ViewItem[] = [];
  const keeping = new Keeping();
  if (options.count > 0) {
    const turns = new EventLoopTurns();
    for await (const record of reader.scan({ reuseBuffers: true })) {
      const turn = turns.due(); // a local scan's records come as microtasks: let a signal be seen
      if (turn) await turn;
      options.signal?.throwIfAborted();
      const item = itemOf(record, undefined, keeping, true);
      if (item && items.push(item) >= options.count) break;
    }
  }
  return { how: `the first ${plural(items.length, 'image')} in the file (no .idx to sample from)`, items, groups: null };
}

async function perClass(reader: RecordReader, options: SelectOptions, k: number, classes: number | readonly number[]): Promise<ViewSelection> {
  // Labels are stored as float32: compare the asked-for ones the same way.
  const asked = typeof classes === 'number' ? null : classes.map(Math.fround);
  const wanted = asked && new Set(asked);
  const rng = new Rng(options.seed);
  // Algorithm R per class: offsets of a uniform sample of k of the class's images.
  const samples = new Map<number, { seen: number; offsets: number[] }>();
  let scanned = 0;
  const turns = new EventLoopTurns();
  for await (const record of reader.scan({ reuseBuffers: true })) {
    const turn = turns.due(); // a local scan's records come as microtasks: let a signal be seen
    if (turn) await turn;
    options.signal?.throwIfAborted();
    if (++scanned % 4096 === 0) options.onProgress?.(record.end, reader.size);
    const image = tryUnpackImageRecord(record.payload);
    if (!image || image.image.length === 0) continue;
    const label = image.label[0]!;
    if (wanted && !wanted.has(label)) continue;
    let s = samples.get(label);
    if (!s) samples.set(label, (s = { seen: 0, offsets: [] }));
    s.seen += 1;
    if (s.offsets.length < k) s.offsets.push(record.offset);
    else {
      const j = rng.int(0, s.seen - 1);
      if (j < k) s.offsets[j] = record.offset;
    }
  }
  options.onProgress?.(reader.size, reader.size);
  const labels = [...samples.keys()].sort((a, b) => a - b);
  const shown = asked ? asked.filter((label, i) => samples.has(label) && asked.indexOf(label) === i) : labels.slice(0, classes as number);
  const groups: ViewGroup[] = [];
  const keeping = new Keeping();
  const reads = new ReusedReads(reader);
  for (const label of shown) {
    const s = samples.get(label)!;
    const items: ViewItem[] = [];
    for (const offset of s.offsets.sort((a, b) => a - b)) {
      options.signal?.throwIfAborted();
      items.push(itemOf(await reads.read(offset), options.index?.keyAtOffset(offset), keeping, true)!);
    }
    groups.push({ label: float32ToNumber(label), total: s.seen, items });
  }
  const absent = asked ? asked.filter((label) => !samples.has(label)).map(float32ToNumber) : [];
  const which = asked
    ? `the ${plural(shown.length, 'class', 'classes')} asked for${absent.length > 0 ? ` (no images of label ${absent.join(', ')})` : ''}`
    : shown.length < labels.length
      ? `the first ${shown.length} of ${plural(labels.length, 'class', 'classes')}`
      : `all ${plural(labels.length, 'class', 'classes')}`;
  return {
    how: `up to ${k} images (picked at random, seed ${options.seed}) of each of ${which}`,
    items: groups.flatMap((g) => g.items),
    groups,
  };
}

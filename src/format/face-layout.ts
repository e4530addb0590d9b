/**
 * insightface's face-dataset layout, as its face2rec2.py wrote it and its
 * readers (arcface_torch's MXFaceDataset, the older FaceImageIter) read it,
 * always through the `.idx`:
 *
 *     key 1 .. N          the images, flag 0, label = the identity; the
 *                         images of one identity under consecutive keys
 *     key 0               no image, flag 2, label = [N+1, N+1+M): the keys
 *                         of the identity records
 *     key N+1 .. N+M      one per identity, no image, flag 2, label =
 *                         [a, b): the keys of that identity's images
 *
 * MXFaceDataset reads record 0, then the images under keys 1 .. label[0]-1;
 * the identity records serve samplers that draw images per identity. The
 * keys sit in float32 labels, exact only up to 2^24: a layout of more
 * records cannot be written truthfully (MAX_LAYOUT_KEY).
 *
 * Writing the layout (im2rec --layout insightface, the rewrites of a file
 * that has it) numbers the images itself, so this module hands out the keys:
 * SequentialKeys when the images come grouped by identity (im2rec sorts its
 * list so), IdentityKeys when they come in any order and were counted first
 * (a merge, a subset). Either way the records of key 0 and the identities
 * follow the images, as face2rec2 wrote them.
 */
import { IMAGE_HEADER_SIZE, type ImageRecord, packImageRecord, tryUnpackImageRecord } from './image-record.js';
import { IndexFileError } from './errors.js';
import { RecordIndex } from './index-file.js';
import { CHUNK_HEADER_SIZE, MAGIC, decodeCFlag, decodeLength } from './recordio.js';
import { readFully } from '../io/byte-source.js';
import { openLocation, siblingIndex } from '../io/locations.js';
import { MAX_LAYOUT_KEY } from '../io/limits.js';
import { MxrecError } from '../util/errors.js';

export { MAX_LAYOUT_KEY };

/** Data that cannot take insightface's layout: a label that is no identity, too many records. */
export class FaceLayoutError extends MxrecError {
  override readonly name = 'FaceLayoutError';
  readonly kind = 'data';
}

/**
 * No image bytes and two or more labels: insightface's record 0 or an
 * identity record, maybe (the keys decide: see readLayoutHeader, info.ts).
 */
export function isLayoutRecord(image: Pick<ImageRecord, 'image' | 'label'>): boolean {
  return image.image.length === 0 && image.label.length >= 2;
}

/** What record 0 announces: the images' keys [1, identityKeys[0]) and the identity records' keys. */
export interface LayoutHeader {
  imageKeys: [number, number];
  identityKeys: [number, number];
}

/** Record 0's labels as a header, or null when they cannot be one. */
export function layoutHeaderOf(image: ImageRecord | null): LayoutHeader | null {
  if (!image || !isLayoutRecord(image)) return null;
  const [l0, l1] = image.label as [number, number];
  if (!Number.isInteger(l0) || !Number.isInteger(l1) || l0 < 1 || l1 < l0) return null;
  return { imageKeys: [1, l0], identityKeys: [l0, l1] };
}

/** The most bytes record 0 of the layout holds: the image header and its two labels (a few more are let pass). */
const LAYOUT_HEADER_BYTES = IMAGE_HEADER_SIZE + 4 * 8;

/**
 * Whether a file (path or URL) has insightface's layout, from its `.idx` and
 * the first bytes of record 0 (the layout is read by key, so a file without
 * an .idx has none to keep). Record 0 of the layout holds no image: a longer
 * record is no layout's, and is not read (an image of 512 MiB would be). Null
 * for a plain file.
 */
export async function readLayoutHeader(recLocation: string): Promise<LayoutHeader | null> {
  const idxLocation = await siblingIndex(recLocation);
  if (idxLocation === null) return null;
  let offset: number | undefined;
  try {
    offset = (await RecordIndex.read(idxLocation)).get(0);
  } catch (err) {
    if (err instanceof IndexFileError) return null; // an .idx that does not parse keys nothing: what reads it says so (rec repair reports it)
    throw err;
  }
  if (offset === undefined) return null;
  const source = await openLocation(recLocation);
  try {
    const head = Buffer.alloc(CHUNK_HEADER_SIZE + LAYOUT_HEADER_BYTES);
    const got = await readFully(source, head, 0, head.length, offset);
    // No record there (a damaged file, which the rewrite's own checks name), or one too long to be record 0.
    if (got < CHUNK_HEADER_SIZE || head.readUInt32LE(0) !== MAGIC) return null;
    const lrecord = head.readUInt32LE(4);
    const length = decodeLength(lrecord);
    if (decodeCFlag(lrecord) !== 0 || length > LAYOUT_HEADER_BYTES || CHUNK_HEADER_SIZE + length > got) return null;
    return layoutHeaderOf(tryUnpackImageRecord(head.subarray(CHUNK_HEADER_SIZE, CHUNK_HEADER_SIZE + length)));
  } finally {
    source.close();
  }
}

/** The identity an image record belongs to: its first label, which must be a whole number >= 0. */
export function identityOf(image: ImageRecord, where: () => string): number {
  const label = image.label[0]!;
  if (!Number.isInteger(label) || label < 0) {
    throw new FaceLayoutError(`${where()}: expected an identity label (a whole number >= 0) for insightface's layout, received ${label}`);
  }
  return label;
}

/** The range of keys of one identity's images. */
interface IdentityRange {
  label: number;
  first: number;
  end: number;
}

function checkKeyCount(images: number, identities: number, what: string): void {
  const end = images + identities + 1;
  if (end > MAX_LAYOUT_KEY) {
    throw new FaceLayoutError(
      `${what}: expected at most ${MAX_LAYOUT_KEY} keys for insightface's layout (record 0 and the identity records hold keys as float32 labels, exact up to 2^24), received ${images} images and ${identities} identities; write it flat (rec flatten) or in parts`,
    );
  }
}

/**
 * The records that follow the images: key 0, then one per identity (keys
 * N+1 .. N+M, in the order of `ranges`), each with its key.
 */
function layoutRecords(images: number, ranges: readonly IdentityRange[]): Array<{ key: number; payload: Buffer }> {
  const l0 = images + 1;
  const records = [{ key: 0, payload: packImageRecord({ label: [l0, l0 + ranges.length], id: 0 }, new Uint8Array(0)) }];
  ranges.forEach((range, i) => records.push({ key: l0 + i, payload: packImageRecord({ label: [range.first, range.end], id: l0 + i }, new Uint8Array(0)) }));
  return records;
}

/**
 * Keys for images that come grouped by identity: 1, 2, ... in the order
 * written, an identity's range closing when the next begins. An identity
 * met again after another is refused (its images would not be consecutive).
 */
export class SequentialKeys {
  private readonly ranges: IdentityRange[] = [];
  private readonly seen = new Set<number>();
  private next = 1;

  /** The key of the next image, of identity `label`. */
  keyFor(label: number, where: () => string): number {
    const open = this.ranges.at(-1);
    if (open?.label !== label) {
      if (this.seen.has(label)) throw new FaceLayoutError(`${where()}: identity ${label} met again after others; insightface's layout needs each identity's images together`);
      this.seen.add(label);
      this.ranges.push({ label, first: this.next, end: this.next });
    }
    checkKeyCount(this.next, this.ranges.length, where());
    this.ranges.at(-1)!.end = this.next + 1;
    return this.next++;
  }

  /** Images given keys so far. */
  get images(): number {
    return this.next - 1;
  }

  get identities(): number {
    return this.ranges.length;
  }

  /** Record 0 and the identity records, for the images given keys. */
  records(): Array<{ key: number; payload: Buffer }> {
    return layoutRecords(this.images, this.ranges);
  }
}

/** The largest of some labels, -1 for none (a loop: millions of labels do not fit in Math.max's arguments). */
function largest(labels: Iterable<number>): number {
  let max = -1;
  for (const label of labels) if (label > max) max = label;
  return max;
}

/** How the identities of several inputs become the output's: see IdentityKeys.settle. */
export type IdentityJoin =
  /** Each input's identities in a label range of its own, after the previous input's (different datasets). */
  | 'apart'
  /** Labels kept: the same label is the same identity in every input (parts of one dataset). */
  | 'shared'
  /** Through each input's names (a label map per input): the same name is one identity, labelled in order of first appearance. */
  | { names: ReadonlyArray<{ nameOf(label: number): string | undefined; file: string }> };

/**
 * Keys for images that come in any order, counted by identity first (the
 * rewrite's first pass): the identities get consecutive ranges in label
 * order, and each image the next key of its identity's range, wherever it
 * lies in the file (the `.idx` finds it; readers of the layout read by key).
 * Images are counted by input and label; settle() joins the inputs'
 * identities into the output's labels.
 */
export class IdentityKeys {
  /** Per input: images by label, in the order the labels were met. */
  private readonly counts: Array<Map<number, number>> = [];
  /** Per input: the output label of each of its labels (after settle). */
  private labels: Array<Map<number, number>> = [];
  private cursors: Map<number, number> | null = null;
  private ranges: IdentityRange[] = [];
  /** The name of each output label, when the identities were joined by name. */
  names: Map<number, string> | null = null;
  /** How far each input's labels moved, when the identities were kept apart (the first input's: 0). */
  offsets: number[] | null = null;

  /** First pass: one more image of identity `label` in input `input`. */
  count(input: number, label: number): void {
    if (this.cursors) throw new Error('IdentityKeys: counted after the keys were handed out');
    while (this.counts.length <= input) this.counts.push(new Map());
    const counts = this.counts[input]!;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }

  get images(): number {
    let n = 0;
    for (const counts of this.counts) for (const count of counts.values()) n += count;
    return n;
  }

  /** Identities of the output (after settle). */
  get identities(): number {
    return this.ranges.length;
  }

  /**
   * Between the passes: each input's labels become the output's (`join`),
   * and the output's identities get their ranges in label order. `what`
   * names the output in the error of too many keys.
   */
  settle(join: IdentityJoin, what: string): void {
    this.labels = this.counts.map((counts, input) => this.joined(join, input, counts));
    const byLabel = new Map<number, number>();
    this.counts.forEach((counts, input) => {
      for (const [label, count] of counts) {
        const to = this.labels[input]!.get(label)!;
        byLabel.set(to, (byLabel.get(to) ?? 0) + count);
      }
    });
    checkKeyCount(this.images, byLabel.size, what);
    let next = 1;
    this.ranges = [...byLabel.keys()].sort((a, b) => a - b).map((label) => {
      const range = { label, first: next, end: next + byLabel.get(label)! };
      next = range.end;
      return range;
    });
    this.cursors = new Map(this.ranges.map((r) => [r.label, r.first]));
  }

  private joined(join: IdentityJoin, input: number, counts: Map<number, number>): Map<number, number> {
    const labels = new Map<number, number>();
    if (join === 'shared') {
      for (const label of counts.keys()) labels.set(label, label);
    } else if (join === 'apart') {
      // After the largest label of the inputs before (each input's labels as they are when it is the first).
      let offset = 0;
      for (const earlier of this.counts.slice(0, input)) offset += largest(earlier.keys()) + 1;
      for (const label of counts.keys()) labels.set(label, label + offset);
      (this.offsets ??= [])[input] = offset;
    } else {
      this.names ??= new Map();
      const byName = new Map([...this.names].map(([label, name]) => [name, label]));
      const names = join.names[input]!;
      for (const label of [...counts.keys()].sort((a, b) => a - b)) {
        const name = names.nameOf(label);
        if (name === undefined) throw new FaceLayoutError(`${names.file}: expected a name for every identity of input ${input + 1}, received none for label ${label}`);
        let to = byName.get(name);
        if (to === undefined) {
          to = this.names.size;
          this.names.set(to, name);
          byName.set(name, to);
        }
        labels.set(label, to);
      }
    }
    return labels;
  }

  /** Second pass: the output label and key of the next image of identity `label` of input `input`. */
  next(input: number, label: number): { label: number; key: number } {
    const to = this.labels[input]?.get(label);
    const key = to === undefined ? undefined : this.cursors?.get(to);
    if (to === undefined || key === undefined) throw new Error(`IdentityKeys: identity ${label} of input ${input} was not counted`);
    this.cursors!.set(to, key + 1);
    return { label: to, key };
  }

  records(): Array<{ key: number; payload: Buffer }> {
    return layoutRecords(this.images, this.ranges);
  }
}

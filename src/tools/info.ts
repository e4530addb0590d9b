/**
 * `rec info`: what a `.rec` holds, from one pass over it: records and bytes,
 * labels (width, classes, the most common), image formats, channels and
 * sizes (every image's header, or a seeded random sample of them), whether
 * the `.idx` agrees with the records, and the layout: a plain image dataset,
 * or insightface's.
 *
 * insightface's layout (its face2rec2.py, read by its MXFaceDataset): the
 * record with key 0 carries no image and flag 2, its labels [L0, L1) being
 * the keys of the identity records; images have keys 1..L0-1, and identity
 * record k (L0 <= k < L1) carries no image either, its labels [a, b) being
 * the keys of that identity's images.
 */
import { DISTINCT_CAP } from '../io/limits.js';
import { isLayoutRecord } from '../format/face-layout.js';
import { imageInfo } from '../codec/codec.js';
import { looksLikeAnImage, sniffFormat } from '../codec/sniff.js';
import { float32ToNumber, type RecordId, tryUnpackImageRecord } from '../format/image-record.js';
import { displayLocation } from '../io/display-name.js';
import { type RecordIORecord, RecordReader, ReusedReads } from '../format/reader.js';
import { Rng } from '../util/rng.js';
import { IndexCheck, type Problem, ProblemList, readIndexForCheck } from './index-check.js';
import type { ClassNames } from './class-names.js';
import { classNamesOption, indexPathOption } from './common-options.js';
import { type OptionsOf, callback, checkOptions, custom, integer } from '../util/schema.js';

/** recordFileInfo's options. */
export const INFO_OPTIONS = {
  indexPath: indexPathOption('the .idx to check and take keys from; null or absent: none'),
  sample: integer({ doc: 'read the headers of this many images, picked at random, instead of all of them', min: 1 }),
  seed: integer({ doc: 'seed of the sample', default: 0 }),
  top: custom({
    doc: "how many of the most common labels to list (0: none), or 'all': every class with its count",
    default: 10,
    parse: (v: unknown, invalid: (expected: string) => never): number | 'all' => (v === 'all' || (Number.isSafeInteger(v) && (v as number) >= 0) ? (v as number | 'all') : invalid('an integer >= 0 or "all"')),
    fromText: (text: string) => (text === 'all' ? text : /^\d+$/.test(text) ? Number(text) : text),
    flag: '--top',
    metavar: '<n|all>',
    flagDoc: 'list the N most common labels (0: none), or all of them, each with its count',
    expected: "number | 'all'",
  }),
  names: classNamesOption('names for the labels listed'),
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes scanned so far, and the size'),
};
export type InfoOptions = OptionsOf<typeof INFO_OPTIONS>;

export interface Summary {
  min: number;
  max: number;
  mean: number;
  /** Absent where only min, max and mean are kept (image bytes: one value per record). */
  median?: number;
}

export type Layout =
  | { kind: 'images' }
  | {
      kind: 'insightface';
      images: number;
      identities: number;
      /** Keys [first, end) of the images and of the identity records, from record 0. */
      imageKeys: [number, number];
      identityKeys: [number, number];
      /** Where the file departs from the layout (missing identity records, say). */
      notes: string[];
    }
  /** No record has an image header (protobuf payloads, say). */
  | { kind: 'other' }
  /** Records with image headers (ids, labels), but no payload starts as any image format does (dmlc-core's test file: text). */
  | { kind: 'not-images' }
  | { kind: 'empty' };

export interface LabelSummary {
  /** Image records by number of labels: {"1": 2000}. */
  widths: Record<string, number>;
  /** Over each image's first label. */
  min: number;
  max: number;
  integral: boolean;
  /** Distinct first labels; null when there are more than DISTINCT_CAP (a regression target, say). */
  classes: number | null;
  /** The most common first labels (`top` of them, or all), most common first, with their names when `names` was given; null past DISTINCT_CAP. */
  top: { label: number; name?: string; count: number }[] | null;
}

export interface ImageSummary {
  /** Image records with image bytes (the rest of this summary is about them). */
  count: number;
  /** By the bytes' signature: jpeg, png, gif, bmp, webp, tiff or unknown. */
  formats: Record<string, number>;
  bytes: Summary;
  /** Images whose header was read (all, or the sample). */
  inspected: number;
  sampled: boolean;
  /** Headers that could not be read (damaged, or a format nothing here reads). */
  unreadable: number;
  channels: Record<string, number>;
  width: Summary | null;
  height: Summary | null;
}

export interface InfoReport {
  file: string;
  bytes: number;
  records: number;
  /** Records stored in several chunks (their payloads hold the magic). */
  multiPart: number;
  /** Records that are not image records (too short for the header, or labels past the end). */
  withoutHeader: number;
  /** Image records with no image bytes: insightface's record 0 and identity records, or damage. */
  withoutImage: number;
  layout: Layout;
  labels: LabelSummary | null;
  images: ImageSummary | null;
  /** The .idx checked against the records: its first problems (up to 1000, by offset) and how many there were. */
  index: { file: string; entries: number; keys: number; consistent: boolean; problems: Problem[]; problemCount: number } | null;
}


/** Counts of values; min, max, mean and median without keeping every value. */
class Histogram {
  readonly counts = new Map<number, number>();
  total = 0;
  private sum = 0;

  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.total += 1;
    this.sum += value;
  }

  summary(): Summary | null {
    if (this.total === 0) return null;
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    let median = values[0]!;
    for (const v of values) {
      seen += this.counts.get(v)!;
      if (seen * 2 >= this.total) {
        median = v;
        break;
      }
    }
    return { min: values[0]!, max: values.at(-1)!, mean: this.sum / this.total, median };
  }
}

function countInto(counts: Record<string, number>, key: string | number): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** A record isLayoutRecord picked out, kept until the layout is decided. */
interface MetaRecord {
  offset: number;
  id: RecordId;
  label: number[];
}

class Inspection {
  inspected = 0;
  unreadable = 0;
  readonly channels: Record<string, number> = {};
  readonly width = new Histogram();
  readonly height = new Histogram();

  async add(image: Uint8Array): Promise<void> {
    this.inspected += 1;
    if (!looksLikeAnImage(image)) {
      this.unreadable += 1; // not worth an exception each (millions of non-image payloads)
      return;
    }
    try {
      const info = await imageInfo(image);
      countInto(this.channels, info.channels);
      this.width.add(info.width);
      this.height.add(info.height);
    } catch {
      this.unreadable += 1;
    }
  }
}

/** The labels of the image records: their widths, and the first label's range and counts. */
class LabelTally {
  readonly widths: Record<string, number> = {};
  /** Counts by first label, until there are more than DISTINCT_CAP of them. */
  private readonly counts = new Map<number, number>();
  private capped = false;
  private min = Infinity;
  private max = -Infinity;
  private integral = true;

  add(label: readonly number[]): void {
    countInto(this.widths, label.length);
    const first = label[0]!;
    this.min = Math.min(this.min, first);
    this.max = Math.max(this.max, first);
    if (!Number.isInteger(first)) this.integral = false;
    if (!this.capped) {
      this.counts.set(first, (this.counts.get(first) ?? 0) + 1);
      if (this.counts.size > DISTINCT_CAP) this.capped = true;
    }
  }

  /** The summary, with the `top` most common labels (named by `names`), or every one. */
  summary(top: number | 'all', names: ClassNames | undefined): LabelSummary {
    return {
      widths: this.widths,
      min: float32ToNumber(this.min),
      max: float32ToNumber(this.max),
      integral: this.integral,
      classes: this.capped ? null : this.counts.size,
      top: this.capped
        ? null
        : [...this.counts]
            .sort((a, b) => b[1] - a[1] || a[0] - b[0])
            .slice(0, top === 'all' ? undefined : top)
            .map(([label, count]) => {
              const name = names?.nameOf(label);
              return name === undefined ? { label: float32ToNumber(label), count } : { label: float32ToNumber(label), name, count };
            }),
    };
  }
}

/**
 * The image bytes of the image records: their formats and sizes, and their
 * headers read, every one as it is scanned, or (with `sample`) those of a
 * uniform sample picked during the scan (Algorithm R) and read after it.
 */
class ImageTally {
  count = 0;
  readonly formats: Record<string, number> = {};
  private minBytes = Infinity;
  private maxBytes = 0;
  private sumBytes = 0;
  private readonly inspection = new Inspection();
  private readonly rng: Rng;
  /** With `sample`: the offsets of the images picked so far. */
  private readonly reservoir: number[] = [];

  constructor(
    private readonly sample: number | undefined,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** The image of the record at `offset`; a promise while its header is read (without a sample). */
  add(image: Uint8Array, offset: number): Promise<void> | undefined {
    this.count += 1;
    countInto(this.formats, sniffFormat(image));
    this.minBytes = Math.min(this.minBytes, image.length);
    this.maxBytes = Math.max(this.maxBytes, image.length);
    this.sumBytes += image.length;
    const { sample, reservoir } = this;
    if (sample === undefined) return this.inspection.add(image);
    if (reservoir.length < sample) reservoir.push(offset);
    else {
      const j = this.rng.int(0, this.count - 1);
      if (j < sample) reservoir[j] = offset;
    }
    return undefined;
  }

  /** Reads the sampled images' headers, in file order, each record into the memory of the one before. */
  async inspectSample(reader: RecordReader): Promise<void> {
    const reads = new ReusedReads(reader);
    for (const offset of this.reservoir.sort((a, b) => a - b)) {
      const image = tryUnpackImageRecord((await reads.read(offset)).payload);
      if (image) await this.inspection.add(image.image);
    }
  }

  summary(): ImageSummary {
    const { inspection } = this;
    return {
      count: this.count,
      formats: this.formats,
      bytes: { min: this.minBytes, max: this.maxBytes, mean: this.sumBytes / this.count },
      inspected: inspection.inspected,
      sampled: this.sample !== undefined && this.sample < this.count,
      unreadable: inspection.unreadable,
      channels: inspection.channels,
      width: inspection.width.summary(),
      height: inspection.height.summary(),
    };
  }
}

/** What one pass over the records finds: recordFileInfo's counters. */
class RecordTally {
  records = 0;
  multiPart = 0;
  withoutHeader = 0;
  withoutImage = 0;
  /** The records that may be insightface's record 0 and identity records. */
  readonly meta: MetaRecord[] = [];
  readonly labels = new LabelTally();
  readonly images: ImageTally;

  constructor(sample: number | undefined, seed: number) {
    this.images = new ImageTally(sample, seed);
  }

  /** Counts a record (in one part or several). */
  count(record: RecordIORecord): void {
    this.records += 1;
    if (record.parts > 1) this.multiPart += 1;
  }

  /** Its payload: header, labels and image; a promise while the image's header is read. */
  add(record: RecordIORecord): Promise<void> | undefined {
    const image = tryUnpackImageRecord(record.payload);
    if (!image) {
      this.withoutHeader += 1;
      return undefined;
    }
    if (image.image.length === 0) {
      this.withoutImage += 1;
      if (isLayoutRecord(image)) this.meta.push({ offset: record.offset, id: image.id, label: image.label });
      return undefined;
    }
    this.labels.add(image.label);
    return this.images.add(image.image, record.offset);
  }
}

export async function recordFileInfo(recPath: string, given: InfoOptions = {}): Promise<InfoReport> {
  const options = checkOptions(INFO_OPTIONS, given);
  const { sample } = options;
  const problems = new ProblemList();
  const index = options.indexPath ? await readIndexForCheck(options.indexPath, problems) : null;
  const indexCheck = index ? new IndexCheck(index, displayLocation(recPath), problems) : null;
  const tally = new RecordTally(sample, options.seed);

  const reader = await RecordReader.openAsync(recPath);
  try {
    await reader.scan({ reuseBuffers: true }).forEach((record) => {
      tally.count(record);
      indexCheck?.record(record.offset);
      if (options.onProgress && tally.records % 4096 === 0) options.onProgress(record.end, reader.size);
      return tally.add(record);
    });
    await tally.images.inspectSample(reader);
  } finally {
    reader.close();
  }
  const { records, images } = tally;
  indexCheck?.finish(records);
  options.onProgress?.(reader.size, reader.size);

  const layout = detectLayout(records, tally.withoutHeader, images, tally.meta, (m) => {
    const key = index?.keyAtOffset(m.offset);
    return Number(key ?? m.id); // compared with float32 labels only: exact where it matters
  });

  return {
    file: displayLocation(recPath),
    bytes: reader.size,
    records,
    multiPart: tally.multiPart,
    withoutHeader: tally.withoutHeader,
    withoutImage: tally.withoutImage,
    layout,
    labels: images.count === 0 ? null : tally.labels.summary(options.top, options.names),
    images: images.count === 0 ? null : images.summary(),
    index: index && {
      file: index.file,
      entries: index.length,
      keys: index.size,
      consistent: problems.total === 0,
      problems: problems.first,
      problemCount: problems.total,
    },
  };
}

function detectLayout(
  records: number,
  withoutHeader: number,
  imageTally: ImageTally,
  meta: MetaRecord[],
  keyOf: (m: MetaRecord) => number,
): Layout {
  if (records === 0) return { kind: 'empty' };
  if (withoutHeader === records) return { kind: 'other' };
  const images = imageTally.count;
  const header = meta.find((m) => keyOf(m) === 0);
  const [l0, l1] = header?.label ?? [];
  if (!header || !Number.isInteger(l0) || !Number.isInteger(l1) || l0! < 1 || l1! < l0!) {
    // Judged from every payload's first bytes (sniffFormat), not from the headers read, which may be a sample.
    const anImage = Object.keys(imageTally.formats).some((format) => format !== 'unknown');
    return anImage ? { kind: 'images' } : { kind: 'not-images' };
  }
  const identities = meta.filter((m) => {
    const key = keyOf(m);
    return key >= l0! && key < l1!;
  });
  const notes: string[] = [];
  if (identities.length !== l1! - l0!) {
    notes.push(`record 0 announces ${l1! - l0!} identity records (keys ${l0}..${l1! - 1}); ${identities.length} found`);
  }
  if (images !== l0! - 1) notes.push(`record 0 announces ${l0! - 1} images (keys 1..${l0! - 1}); ${images} found`);
  const covered = identities.reduce((n, m) => n + Math.max(0, m.label[1]! - m.label[0]!), 0);
  if (covered !== images) notes.push(`identity records cover ${covered} image keys; ${images} images found`);
  return {
    kind: 'insightface',
    images,
    identities: identities.length,
    imageKeys: [1, l0!],
    identityKeys: [l0!, l1!],
    notes,
  };
}

/**
 * im2rec's encode stage: the list → batches of outcomes, one per item, in
 * list order: the record payload (header, labels, image bytes re-encoded or,
 * with passThrough, as stored) with what the file was when read (for
 * resuming), or why the image was skipped. Four steps, each a bounded
 * orderedMap or a pass over one, so that the image bytes between read and
 * write stay within two budgets whatever the files hold:
 *
 *   find    each image opened to be read whole through its store: a stat,
 *           or for one in a bucket a GET whose headers give its size, its
 *           body left unread (many in flight, for the store's latency)
 *   batch   up to BATCH images, of at most BATCH_FILE_BYTES of files (or
 *           one file)
 *   read    a batch's files once their bytes fit the read budget, taken in
 *           list order; each image's header planned (image-plan.ts); files
 *           are read on the main thread (page-cache reads are cheap, and
 *           this keeps libuv's pool for the codec), bodies from a bucket
 *           side by side
 *   encode  up to BATCH_RECORD_BYTES of planned records (counted at the
 *           most their encoding can take: plannedBytes), or one image,
 *           once that fits the record budget, taken in list order; one trip
 *           to the codec each; their files are given back then, and the
 *           records are counted at their real size until written
 *
 * A budget is taken in one step only and in list order, so work never holds
 * one share while waiting on a later item's (ByteBudget). With passThrough,
 * a record is the file's bytes read behind its header, held in the read
 * budget until it is written.
 */
import { type ByteSource, ChangedWhileReadError, readWholeInto } from '../io/byte-source.js';
import { isNotFound, storeOf } from '../io/locations.js';
import { imageInfo, transcodeMany } from '../codec/codec.js';
import { ImageError, type TranscodeOptions } from '../codec/types.js';
import { type ImageRecordInput, packImageRecord } from '../format/image-record.js';
import type { ListItem } from '../format/list-file.js';
import { IM2REC_READ_BUDGET, IM2REC_RECORD_BUDGET, MAX_IMAGE_FILE_BYTES, PLANNED_BYTES_PER_PIXEL } from '../io/limits.js';
import { BufferPool } from '../util/buffer-pool.js';
import { ByteBudget } from '../util/byte-budget.js';
import { orderedMap } from '../util/ordered-map.js';
import { type ImageSettings, planImage } from './image-plan.js';
import type { SourceStamp } from './partial-output.js';

/** The record's header and labels, the way the chosen tool packs them (id = list index). */
function headerFor(item: ListItem, form: 'py' | 'cc', packLabel: boolean): ImageRecordInput {
  const first = item.labels[0] ?? 0;
  // im2rec.cc keeps the first label in the header even when it packs them all.
  if (form === 'cc') return packLabel ? { label: item.labels, id: item.index, headerLabel: first } : { label: first, id: item.index };
  // im2rec.py packs only with --pack-label and more than one label; else the first label, flag 0.
  return packLabel && item.labels.length > 1 ? { label: item.labels, id: item.index } : { label: first, id: item.index };
}

/** The record's header and labels alone, the bytes an image goes behind. */
function headerBytes(item: ListItem, o: ResolvedOptions): Buffer {
  return packImageRecord(headerFor(item, o.image.form, o.packLabel), new Uint8Array(0));
}

/**
 * The record payload (header, labels, then the image) in a buffer of the pool,
 * given back once written; an image larger than the pool keeps stays where the
 * codec put it, written after its header (copying it would hold it twice,
 * and leave a copy of hundreds of MB for the collector).
 */
function recordFor(item: ListItem, image: Uint8Array, o: ResolvedOptions): { record: Buffer; image?: Uint8Array } {
  const header = headerBytes(item, o);
  if (image.byteLength > POOL_LARGEST) return { record: header, image };
  const record = buffers.take(header.length + image.byteLength);
  header.copy(record);
  record.set(image, header.length);
  return { record };
}

/**
 * What became of a list item: its record, with what the file was when read, or
 * why it was skipped. With `image`, `record` is the header and labels alone and
 * the image follows it (recordFor).
 */
export type Outcome =
  | { item: ListItem; bytesIn: number; record: Buffer; image?: Uint8Array; stamp: SourceStamp; notImage?: boolean }
  | { item: ListItem; bytesIn: number; reason: string };

/** The reason given for an image that is not there; a pack of nothing but these asks about ROOT. */
export const MISSING = 'missing file';

/** Images per batch: one trip to the codec, one journal line. */
export const BATCH = 16;

/** Image bytes between read and write (IM2REC_READ_BUDGET, IM2REC_RECORD_BUDGET). */
const readBudget = new ByteBudget(IM2REC_READ_BUDGET);
const recordBudget = new ByteBudget(IM2REC_RECORD_BUDGET);

/**
 * The buffers files are read into and records are made in, given back once
 * encoded (files) or written (records; a passThrough record is its file's
 * buffer): reused, not fresh (see BufferPool; a fresh 20 KB buffer cost 85 us
 * on the VMs measured, a tenth of a transcode). At most POOL_IDLE of them
 * wait unused, for the process's life; files over POOL_LARGEST get their
 * own. The budgets count the bytes asked for; a pooled buffer is its size
 * class, at most a quarter and a page more.
 */
const POOL_IDLE = 64 << 20;
const POOL_LARGEST = 16 << 20;
const buffers = new BufferPool(POOL_IDLE, POOL_LARGEST);

/** A batch's files (or its one file) and planned records: at most a quarter of their budgets, so that several batches are in flight. */
const BATCH_FILE_BYTES = 64 << 20;
const BATCH_RECORD_BYTES = 64 << 20;

/** A list item with its image opened to be read whole (its size known: a stat, or a GET's headers, its body unread), or why it cannot be. */
interface Found {
  item: ListItem;
  file: string;
  /** The bytes it will take in the read budget: 0 for what is not read (missing, too large). */
  size: number;
  source: ByteSource | string;
}

/** An item read: its outcome already (passThrough, or skipped), or its bytes and plan, awaiting the codec. */
interface Read {
  item: ListItem;
  outcome?: Outcome;
  input?: { bytes: Buffer; stamp: SourceStamp; plan: TranscodeOptions };
  /** The most its record can take (plannedBytes), for the record budget; 0 when there is nothing to encode. */
  planned: number;
  /** Gives its share of the read budget back. */
  release: () => void;
}

/** A batch's outcomes, one per list item in list order, and what gives their budgets back (once they are written). */
export interface EncodedBatch {
  outcomes: Outcome[];
  /** Once the records are written: their bytes may be handed out again (a passThrough record is its read buffer). */
  release: () => void;
}

/** The encode stage's results; return() stops it early (see encodeStage). */
export type EncodeStage = AsyncIterableIterator<EncodedBatch> & { return(): Promise<IteratorResult<EncodedBatch>> };

/** find: an image opened to be read whole, its size known. */
async function find(item: ListItem, o: ResolvedOptions): Promise<Found> {
  const file = o.pathOf(item.path);
  const source = await openImage(file);
  return { item, file, size: typeof source !== 'string' && source.size <= MAX_IMAGE_FILE_BYTES ? source.size : 0, source };
}

function close(found: Found): void {
  if (typeof found.source !== 'string') found.source.close();
}

/**
 * An image opened to be read whole (Store.openWhole): a local file's stat,
 * or a GET whose headers give its size for the read budget, its body read
 * once the budget allows (one request per image). A missing image is
 * skipped, as is a file that cannot be read; any other failure
 * (credentials, the store unreachable) stops the pack, which must not
 * quietly leave images out.
 */
async function openImage(file: string): Promise<ByteSource | string> {
  try {
    return await storeOf(file).openWhole(file);
  } catch (err) {
    return skipReason(err) ?? Promise.reject(err);
  }
}

/** Why an image that cannot be opened or read is skipped, or null for a failure that stops the pack. */
function skipReason(err: unknown): string | null {
  if (isNotFound(err)) return MISSING;
  if (err instanceof ChangedWhileReadError) return `changed while being packed: ${err.detail}`;
  const errno = err as NodeJS.ErrnoException | null;
  if (typeof errno?.code === 'string' && errno.syscall !== undefined) return errno.code === 'EISDIR' ? 'is a folder, not an image' : `unreadable: ${errno.code}`;
  return null;
}

/** batch: found images in batches of at most BATCH, and BATCH_FILE_BYTES of files unless one file is more. */
async function* batches(found: AsyncIterable<Found>): AsyncGenerator<Found[]> {
  let batch: Found[] = [];
  let bytes = 0;
  try {
    for await (const f of found) {
      if (batch.length === BATCH || (batch.length > 0 && bytes + f.size > BATCH_FILE_BYTES)) {
        const full = batch;
        batch = [];
        bytes = 0;
        yield full;
      }
      batch.push(f);
      bytes += f.size;
    }
    if (batch.length > 0) {
      const last = batch;
      batch = [];
      yield last;
    }
  } finally {
    batch.forEach(close); // found but never handed on: an early stop
  }
}

/** An image's bytes (behind `headroom` bytes left for its record's header) and what it was when read, or why it cannot be read. */
async function readImage(source: ByteSource, headroom: number): Promise<{ bytes: Buffer; stamp: SourceStamp } | string> {
  try {
    if (source.size > MAX_IMAGE_FILE_BYTES) return `too large: a file of ${source.size} bytes, more than the ${MAX_IMAGE_FILE_BYTES} read at most`;
    if (source.size === 0) return 'empty file';
    const bytes = buffers.take(headroom + source.size);
    try {
      await readWholeInto(source, bytes, headroom); // one that ends early: ChangedWhileReadError, a skip (skipReason)
    } catch (err) {
      buffers.give(bytes);
      throw err;
    }
    // A remote image has no modification time to compare: a remote pack is not resumed.
    return { bytes, stamp: { size: source.size, mtimeNs: source.modifiedNs ?? 0n } };
  } catch (err) {
    return skipReason(err) ?? Promise.reject(err);
  } finally {
    source.close();
  }
}

function imageReason(err: ImageError): string {
  const what = err.code === 'TOO_LARGE' ? 'too large' : err.code === 'UNSUPPORTED' ? 'unsupported image' : 'not an image or damaged';
  return `${what}: ${err.message}`;
}

/** The most bytes a planned image's record can take (PLANNED_BYTES_PER_PIXEL). */
function plannedBytes(info: { width: number; height: number; orientation?: number }, plan: TranscodeOptions): number {
  const upright = plan.autoOrient && (info.orientation ?? 1) >= 5;
  const width = plan.width ?? plan.crop?.width ?? (upright ? info.height : info.width);
  const height = plan.height ?? plan.crop?.height ?? (upright ? info.width : info.height);
  return Math.ceil(width * height * PLANNED_BYTES_PER_PIXEL[plan.format === 'png' ? 'png' : 'jpeg']) + (64 << 10);
}

/** read: a batch's files, once they fit the read budget (taken now, in list order), each planned. */
async function readBatch(batch: Found[], o: ResolvedOptions): Promise<Read[]> {
  const holds = batch.map((f) => readBudget.take(f.size));
  const reads = await Promise.all(
    batch.map(async (f, k): Promise<Read> => {
      const release = await holds[k]!;
      try {
        return await readOne(f, release, o);
      } catch (err) {
        release();
        throw err;
      }
    }),
  ).catch(async (err: unknown) => {
    // Give back what the others hold before the failure is thrown.
    batch.forEach(close);
    await Promise.allSettled(holds.map(async (h) => (await h)()));
    throw err;
  });
  return reads;
}

async function readOne(f: Found, releaseShare: () => void, o: ResolvedOptions): Promise<Read> {
  const { item } = f;
  let buffer: Buffer | null = null;
  // Gives back the read budget's share and the buffer, once (the encode stage may call it twice).
  const release = () => {
    releaseShare();
    if (buffer) buffers.give(buffer);
    buffer = null;
  };
  const skip = (reason: string, bytesIn = 0): Read => {
    release();
    return { item, outcome: { item, bytesIn, reason }, planned: 0, release: () => {} };
  };
  // passThrough: the file is read behind its record's header (and labels), not copied after them.
  const header = o.image.passThrough ? headerBytes(item, o) : null;
  const headroom = header?.length ?? 0;
  const read = typeof f.source === 'string' ? f.source : await readImage(f.source, headroom);
  if (typeof read === 'string') return skip(read);
  const { bytes, stamp } = read;
  buffer = bytes;
  const image = bytes.subarray(headroom);
  if (header) {
    // Any file's bytes, as MXNet's tools store them (audio, arrays, text packed with --exts);
    // those whose header is no image's are counted, so that a wrong ROOT or --exts shows.
    const notImage = await imageInfo(image).then(
      () => false,
      (err: unknown) => {
        if (err instanceof ImageError) return true;
        throw err;
      },
    );
    header.copy(bytes);
    return { item, outcome: { item, bytesIn: image.length, record: bytes, stamp, notImage }, planned: 0, release };
  }
  try {
    // The header gives the size to plan from.
    const info = await imageInfo(image);
    const plan = planImage(info, o.image, item.index);
    if ('skip' in plan) return skip(plan.skip, image.length);
    return { item, input: { bytes: image, stamp, plan }, planned: plannedBytes(info, plan), release };
  } catch (err) {
    if (!(err instanceof ImageError)) throw err;
    return skip(imageReason(err), image.length);
  }
}

/** A batch read, cut where its planned records pass BATCH_RECORD_BYTES (unless one image is more). */
async function* byRecordBytes(read: AsyncIterable<Read[]>): AsyncGenerator<Read[]> {
  let left: Read[] = [];
  try {
    for await (const batch of read) {
      left = batch;
      while (left.length > 0) {
        let n = 0;
        for (let bytes = 0; n < left.length && (n === 0 || bytes + left[n]!.planned <= BATCH_RECORD_BYTES); n++) bytes += left[n]!.planned;
        const part = left.slice(0, n);
        left = left.slice(n);
        yield part;
      }
    }
  } finally {
    left.forEach((r) => r.release()); // read but never handed on: an early stop
  }
}

/** encode: a part of a batch, once its planned records fit the record budget (taken now, in list order); one trip to the codec. */
async function encodePart(part: Read[], o: ResolvedOptions): Promise<EncodedBatch> {
  const planned = part.reduce((n, r) => n + r.planned, 0);
  const releaseRecords = await recordBudget.take(planned);
  const releaseAll = () => part.forEach((r) => r.release());
  const records: Buffer[] = []; // made here, given back once written
  try {
    const toEncode = part.filter((r) => r.input);
    if (toEncode.length) {
      const encoded = await transcodeMany(
        toEncode.map((r) => r.input!.bytes),
        toEncode.map((r) => r.input!.plan),
      );
      let written = 0;
      toEncode.forEach((r, j) => {
        const result = encoded[j]!;
        const { item } = r;
        const { bytes, stamp } = r.input!;
        r.outcome = result instanceof ImageError
          ? { item, bytesIn: bytes.length, reason: imageReason(result) }
          : { item, bytesIn: bytes.length, ...recordFor(item, result.data, o), stamp };
        if ('record' in r.outcome) {
          written += r.outcome.record.length + (r.outcome.image?.byteLength ?? 0);
          if (!r.outcome.image) records.push(r.outcome.record);
        }
        // The file is done with (and dropped, not kept alive until the write by this batch).
        r.release();
        delete r.input;
      });
      // The records are counted at their size from here.
      releaseRecords(Math.max(0, planned - written));
    }
    // From here the outcomes are the batch's alone: what the stages keep of a part holds no bytes.
    const outcomes = part.map((r) => r.outcome!);
    for (const r of part) delete r.outcome;
    return {
      outcomes,
      release: () => {
        releaseRecords();
        releaseAll(); // passThrough records are their files; the others were given back above
        for (const record of records.splice(0)) buffers.give(record);
      },
    };
  } catch (err) {
    releaseRecords();
    releaseAll();
    throw err;
  }
}

/**
 * The encode stage over the list: batches of outcomes in list order, up to
 * `limit` parts encoding ahead of the writer and as many batches read ahead
 * of them. Each result's release() gives its budgets back once it is
 * written; return() (an early stop) gives back all the stage holds.
 */
export function encodeStage(items: Iterator<ListItem>, o: ResolvedOptions, limit: number): EncodeStage {
  const found = orderedMap({ [Symbol.iterator]: () => items }, limit * BATCH, (item: ListItem) => find(item, o), { onAbandon: close });
  const read = orderedMap(batches(found), limit, (batch: Found[]) => readBatch(batch, o), {
    onAbandon: (reads) => reads.forEach((r) => r.release()),
  });
  return orderedMap(byRecordBytes(read), limit, (part: Read[]) => encodePart(part, o), { onAbandon: ({ release }) => release() });
}

export interface ResolvedOptions {
  pathOf: (rel: string) => string;
  image: ImageSettings;
  packLabel: boolean;
}

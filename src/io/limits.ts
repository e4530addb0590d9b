/**
 * Every ceiling on what an input (a hostile file, image or server) can make
 * the tools do, declared once: how much of a file is read whole, how many
 * pixels are decoded at once, how large a batch may be, how long a network
 * read may take. It sits in io/ so that every layer can import it.
 *
 * LIMITS, at the end, is the table of docs/guides/safety-and-limits.md
 * (npm run docs writes it from here): each row worded from the constants, so
 * the guide says what the code does. test/docs/limits.test.ts checks that no
 * ceiling is declared anywhere else.
 *
 * Past a ceiling the tools stop with a LimitError (or skip the image and say
 * so): one line naming the input, what it asked for, and the ceiling with the
 * option that raises it. The CLI exits 2: the input cannot be read as asked.
 */
import { MxrecError } from '../util/errors.js';

export class LimitError extends MxrecError {
  override readonly name = 'LimitError';
  readonly kind = 'io';
}

const KiB = 2 ** 10;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

// --- Decoding images ---------------------------------------------------------

/**
 * What decoding may hold at once across the process (codec.ts: decodeBudget),
 * unless MXREC_DECODE_BUDGET_MB or setDecodeBudget() says otherwise.
 */
export const DEFAULT_DECODE_BUDGET = GiB;

/** The side of the square sharp allows by default (its limitInputPixels). */
const DEFAULT_PIXELS_SIDE = 0x3fff;
/** The pixels an image may declare before it is refused, unless `maxPixels` says otherwise: 16383², sharp's default. */
export const DEFAULT_MAX_PIXELS = DEFAULT_PIXELS_SIDE * DEFAULT_PIXELS_SIDE;
/**
 * The most pixels im2rec's `maxPixels` (`--max-pixels`) may allow an image:
 * the largest JPEG (65535²). What decoding holds stays within the decode
 * budget whatever this allows.
 */
export const MAX_MAX_PIXELS = 65535 * 65535;

/**
 * The most scans a JPEG may have before it is refused as TOO_LARGE (as in
 * the addon, native/src/jpeg_glue.h kMaxScans): a progressive file has about
 * ten, and each scan is a pass over the whole image.
 */
export const MAX_SCANS = 500;

/**
 * A transcode through the addon past this many bytes goes to libvips, which
 * streams it: about 49 M pixels decoded to a same-size JPEG (decode-cost.ts).
 */
export const NATIVE_TRANSCODE_MAX_BYTES = 256 << 20;

/**
 * Up to this many bytes of decoded pixels (about 5 megapixels), a PNG (or
 * other non-JPEG) going to JPEG is decoded whole by libvips and cropped,
 * resized and encoded by the addon. Larger images go through libvips alone,
 * which streams them in far less memory (docs/guides/performance.md has the
 * measurement).
 */
export const SPLIT_TRANSCODE_MAX_BYTES = 16 << 20;

/** The largest side an image made or shaped here may have (im2rec's output, the iterator's dataShape): the most a JPEG can hold. */
export const MAX_SIDE = 65535;

// --- Reading records, indexes and lists --------------------------------------

/**
 * Largest length a chunk can declare (29 bits); also the default ceiling on
 * one record, all its parts (`maxRecordBytes`): the most one chunk holds.
 */
export const MAX_CHUNK_LENGTH = 2 ** 29 - 1;

/** The default ceiling on an `.idx` file's size (`maxBytes` of RecordIndex.read). */
export const MAX_INDEX_BYTES = GiB;
/** A typical `.idx` line: an 8-digit key, a tab, a 12-digit offset and a newline (to say how many entries MAX_INDEX_BYTES holds). */
const INDEX_LINE_BYTES = 22;
/**
 * The most entries an index holds (64 Mi): the largest face datasets list about
 * 45 M. At 8 to 20 bytes an entry, and as much again for a lookup, that stays
 * within the memory a run may take; 1 GiB of `0<TAB>0` lines would be 268 M.
 */
export const MAX_INDEX_ENTRIES = 1 << 26;
/** The most bytes of keys that are not plain integers an index holds (im2rec's keys are integers). */
export const MAX_INDEX_KEY_BYTES = 1 << 28;

/** The largest list file read (an image list, a key list): about 20 million lines of a few labels each. */
export const MAX_LIST_BYTES = GiB;
/** The longest line of a text file read (a list, an index). */
export const MAX_LINE = MiB;
/** The longest image path a list line may hold: no file system takes longer ones (Linux: 4096 bytes). */
export const MAX_PATH_BYTES = 4096;

// --- im2rec ------------------------------------------------------------------

/** The largest image file im2rec reads (and the largest image read whole from a bucket). */
export const MAX_IMAGE_FILE_BYTES = 256 << 20;
/**
 * im2rec's image bytes between read and write: file bytes read and not yet
 * encoded (with passThrough: not yet written), and planned records encoded or
 * being encoded and not yet written. A file of MAX_IMAGE_FILE_BYTES takes the
 * whole read budget.
 */
export const IM2REC_READ_BUDGET = 256 << 20;
export const IM2REC_RECORD_BUDGET = 256 << 20;
/**
 * What a planned record counts against IM2REC_RECORD_BUDGET until its size is
 * known, per pixel: the most an image's record can take. 2.5 as JPEG (noise at
 * quality 100, the most a JPEG here takes, is 1.98 in colour and 1.58 in gray;
 * a 1-pixel checkerboard 0.81), 4.1 as PNG (RGBA that does not compress, and
 * PNG's filter bytes).
 */
export const PLANNED_BYTES_PER_PIXEL = { jpeg: 2.5, png: 4.1 } as const;

/**
 * The most images one `im2rec --list` run lists, and the bytes of their names
 * (UTF-8): every name is held until MXNet's shuffle has run, at about 40 bytes
 * besides the name at the peak (name-table.ts, the walk order, the labels, the
 * shuffle; 3 M names of 40 bytes peaked at 330 MB), so a listing stays under
 * 1.5 GB of memory whatever a bucket holds. A larger tree is listed a
 * sub-folder at a time, the first run's label map passed to the next with --labels.
 */
export const MAX_LISTED_IMAGES = 10_000_000;
export const MAX_LISTED_NAME_BYTES = 512 << 20;
/** The largest label map read: a line per folder. */
export const MAX_LABEL_MAP_BYTES = 64 << 20;
/** The most list files one run makes (each chunk is one to three files). */
export const MAX_CHUNKS = 10_000;
/** Decode calls run side by side (im2rec --num-thread, the iterator's preprocessThreads): libuv's pool has at most 1024 threads, and more than this only costs memory. */
export const MAX_THREADS = 256;
/** Longer than any line of OUT.rec.partial's journal that im2rec writes: a line past it is not one of ours. */
export const MAX_JOURNAL_LINE = MiB;

// --- The tools ----------------------------------------------------------------

/** Skipped images im2rec prints one line each for; the rest are counted in one line (all are in the skip report). */
export const SHOWN_SKIPS = 10;
/** Problems `rec verify` lists on screen unless told otherwise (--max-problems). */
export const SHOWN_PROBLEMS = 20;
/** Problems a report keeps unless told otherwise (with --json, and in the library); the rest are counted. */
export const DEFAULT_MAX_PROBLEMS = 1000;
/** Keys of insightface's layout: record 0 and the identity records hold keys as float32 labels, exact up to 2^24. */
export const MAX_LAYOUT_KEY = 2 ** 24;
/** Distinct first labels `rec info` counts before giving up on classes (continuous labels would grow without bound). */
export const DISTINCT_CAP = 100_000;
/** `rec audit --distance` at most: bits of the 64-bit perceptual hash; past 11 the near search's buckets (two bits per 16-bit block) no longer cover it. */
export const MAX_AUDIT_DISTANCE = 11;
/** Bytes of image copies `verify --decode` queues before a batch is sent; also the size from which an image is decoded alone. */
export const DECODE_CHECK_QUEUED_BYTES = 64 << 20;
/** Image bytes a `rec view` selection keeps in all; past this, images are read again when drawn. */
export const VIEW_KEPT_BYTES = 256 << 20;
/** Image bytes per codec call when `rec view` draws thumbnails (a larger image goes alone). */
export const VIEW_BATCH_BYTES = 256 << 20;
/** Images on one `rec view` sheet or page at most: 1000 thumbnails of 160 px are already a 75 MB bitmap. */
export const MAX_VIEW_IMAGES = 1000;
/** A class names file this large is not one (ImageNet-21k has 21,841 classes). */
export const MAX_NAMES_BYTES = 64 << 20;
/** The largest tar member written: what the ustar size field's 11 octal digits hold (8 GiB - 1). */
export const MAX_TAR_MEMBER_BYTES = 8 ** 11 - 1;
/** A tar extension header (pax records, a GNU long name) read whole: real ones are a few hundred bytes. */
export const MAX_TAR_EXTENSION_BYTES = MiB;
/** The largest shard member (an image, a JSON) `rec import` reads: it becomes one record, read whole. */
export const MAX_IMPORT_MEMBER_BYTES = 512 * MiB;
/** What one WebDataset sample's kept members (its image, label and JSON) hold at most: one record's worth. */
export const MAX_IMPORT_SAMPLE_BYTES = 640 * MiB;
/** An export manifest or shard index read whole (a line per shard: tens of thousands of shards fit). */
export const MAX_MANIFEST_BYTES = 64 * MiB;
/** The most outputs (and shares) one `rec split` writes. */
export const MAX_SPLIT_OUTPUTS = 65535;

// --- Parquet files read (import) ----------------------------------------------

/**
 * A Parquet file's footer (its thrift metadata), read whole before anything
 * else: its bytes, and the values they decode to (fields, list items,
 * structs), counted before decoding, since each becomes a JS object (about 70
 * bytes; 4 Mi of them stay under 300 MB). A dataset of 100-row groups has a
 * footer of a few hundred KB; these are far past any real one.
 */
export const MAX_PARQUET_FOOTER_BYTES = 64 << 20;
export const MAX_PARQUET_FOOTER_VALUES = 1 << 22;
/**
 * One row group as read: the bytes of the columns used, plus what their
 * compressed pages expand to; and their values (rows, list items, dictionary
 * entries), each an array slot or an object when decoded. Hugging Face writes
 * image datasets in row groups of 100 rows, mxrec too (parquet.ts).
 */
export const MAX_PARQUET_ROW_GROUP_BYTES = GiB;
export const MAX_PARQUET_ROW_GROUP_VALUES = 1 << 22;
/** Thrift values in one page header (its sizes, counts and statistics: about 20 in practice). */
export const MAX_PARQUET_PAGE_HEADER_VALUES = 1024;

// --- The iterator ---------------------------------------------------------------

/** One batch at most: 2 GiB (about 2,800 float32 images of 3x224x224). */
export const MAX_BATCH_BYTES = 2 ** 31;
/** Batches decoded ahead at most (`prefetchBuffer`); their memory is bounded besides (half the machine's). */
export const MAX_PREFETCH = 256;
/** Skipped records listed in `skippedRecords` (all are counted). */
export const MAX_SKIP_REPORTS = 1000;

// --- The command line -----------------------------------------------------------

/** The longest error line printed: names from data are quoted short where they are made; this is the net. */
export const MAX_MESSAGE = 2000;

// --- Reading over a network (RemoteOptions' defaults) ----------------------------

/** Attempts after the first for one read, or since the last that brought bytes. */
export const DEFAULT_RETRIES = 5;
/** Pause before the first retry, doubled for each next one up to MAX_RETRY_DELAY_MS. */
export const DEFAULT_RETRY_DELAY_MS = 250;
export const MAX_RETRY_DELAY_MS = 8000;
/** The longest pause a `Retry-After` may ask for. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** An attempt that sends nothing for this long is given up. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** An attempt that has not finished after this long is given up, however it progresses. */
export const DEFAULT_DEADLINE_MS = 10 * 60_000;
/** An attempt slower than this on average, once the timeout has passed, is given up. */
export const DEFAULT_MIN_BYTES_PER_SECOND = 16 * KiB;
/** Redirects followed before giving up (fetch's limit). */
export const MAX_REDIRECTS = 20;
/** Block reads kept in flight by scans: enough to keep both cores of a small machine copying. */
export const DEFAULT_READ_AHEAD = 4;
/**
 * A scan's reads from a URL: REMOTE_READ_AHEAD range requests of REMOTE_BUFFER_SIZE in flight. A
 * real store answers each after tens of milliseconds and streams each connection at about 100 MB/s,
 * so its throughput is the requests in flight: 16 of 4 MiB (30 ms, then 42 ms of body) carry about
 * 900 MB/s in the memory 4 of 16 MiB held for 340 MB/s.
 */
export const REMOTE_READ_AHEAD = 16;
export const REMOTE_BUFFER_SIZE = 4 << 20;
/** A record from a URL longer than this is read in one request of its own; shorter ones come from the blocks in flight. */
export const REMOTE_LONG_READ = 16 << 20;
/**
 * The iterator's record reads from a URL (through an `.idx`) at once: REMOTE_READS_IN_FLIGHT at
 * first, one more each time it waits for a record, up to REMOTE_READS_MOST while those in flight
 * hold under REMOTE_READ_BYTES (iter/record-source.ts).
 */
export const REMOTE_READS_IN_FLIGHT = 16;
export const REMOTE_READS_MOST = 256;
export const REMOTE_READ_BYTES = 64 << 20;

// --- Buckets (s3://) ---------------------------------------------------------------

/** Deadlines of the AWS SDK's own requests (uploads, listings): to connect, and for a socket with nothing to say. */
export const SDK_CONNECT_TIMEOUT_MS = 10_000;
export const SDK_IDLE_TIMEOUT_MS = 60_000;
/** The SDK's own attempts per request, its default (set nowhere here: stated for the guide; test/docs/limits.test.ts checks it). */
export const SDK_ATTEMPTS = 3;

/** The longest key S3 stores (UTF-8 bytes); MinIO and Ceph keep the same limit. */
export const MAX_S3_KEY_BYTES = 1024;
/** The keys S3 sends in one listing page (it sends no more). */
export const S3_KEYS_PER_PAGE = 1000;
/**
 * Ceilings of one listing. A page is what S3 sends for 1000 keys (under 2 MB
 * at S3's longest keys); a listing ends, as S3's do, when a page says it is
 * the last, and a server that never says so, or hands out a token it gave
 * before, is stopped: at 1000 keys a page, the pages allowed hold 50 M keys.
 */
export const MAX_LIST_PAGE_BYTES = 8 << 20;
export const MAX_LIST_PAGES = 50_000;

/** Bytes per uploaded part (S3's least is 5 MiB, except for the last). */
export const PART_SIZE = 8 << 20;
/**
 * Parts in flight at once for one object. A real store answers each after tens of milliseconds and
 * takes each connection's body at about 100 MB/s: 2 parts of 8 MiB carried about 150 MB/s through
 * such a store, 4 about 290 MB/s.
 */
export const PARTS_IN_FLIGHT = 4;
/** S3's most parts in one upload: with PART_SIZE parts, objects of up to 80,000 MiB. */
export const MAX_PARTS = 10_000;
/**
 * Memory one streamed object may hold: the parts in flight, the one being
 * filled and one waiting for a place. Bounds how many a run may write at once.
 */
export const UPLOAD_MEMORY = PART_SIZE * (PARTS_IN_FLIGHT + 2);
/** What a run's streamed outputs may hold at once (21 uploads of UPLOAD_MEMORY). */
export const MAX_OUTPUT_MEMORY = GiB;

// --- The guide's table -------------------------------------------------------------

/** One row of the limits table in docs/guides/safety-and-limits.md. */
export interface Limit {
  /** What is bounded. */
  bounds: string;
  /** The ceiling's default, or several, worded from the constants above. */
  value: string;
  /** How to change it ('fixed' when nothing does). */
  change: string;
}

const FIXED = 'fixed';

/** 80000 as 80,000. */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');
/** Bytes in the largest unit that holds them whole: 1 GiB, 256 MiB, 80,000 MiB, 16 KiB. */
function bytes(n: number): string {
  for (const [unit, name] of [[GiB, 'GiB'], [MiB, 'MiB'], [KiB, 'KiB']] as const) {
    if (n >= unit && n % unit === 0) return `${grouped(n / unit)} ${name}`;
  }
  return `${grouped(n)} bytes`;
}
/** 10,000,000 as 10 M. */
const millions = (n: number) => `${n / 1e6} M`;
/** Millions to one significant figure: 48.8 M as 50 M. */
function aboutMillions(n: number): string {
  const m = n / 1e6;
  const step = 10 ** Math.floor(Math.log10(m));
  return `${Math.round(m / step) * step} M`;
}
/** Seconds up to a minute, minutes past it: 250 ms, 60 s, 10 min. */
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : ms <= 60_000 ? `${ms / 1000} s` : `${ms / 60_000} min`);

export const LIMITS: readonly Limit[] = [
  {
    bounds:
      'what decoding holds at once (im2rec, `ImageRecordIter`, `verify --decode`, `view`), each image counted at what its decode really holds, from its header; ' +
      // The sides follow from decode-cost.ts's bytes per pixel (test/docs/limits.test.ts checks them against it).
      'an image that alone would hold more is skipped as too large (at the default: a WebP up to about 11585², a GIF 14654², AVIF/HEIF 7700²; JPEG, PNG and TIFF stream)',
    value: bytes(DEFAULT_DECODE_BUDGET),
    change: '`MXREC_DECODE_BUDGET_MB`; `setDecodeBudget(bytes)`',
  },
  {
    bounds: "one image's pixels (its declared size, checked before decoding)",
    value: `${DEFAULT_PIXELS_SIDE} × ${DEFAULT_PIXELS_SIDE}`,
    change: `\`maxPixels\` (codec options; im2rec's \`image.maxPixels\`, \`--max-pixels\` in both forms, up to ${grouped(MAX_MAX_PIXELS)})`,
  },
  { bounds: "a JPEG's scans (a progressive one has about ten)", value: `${MAX_SCANS}`, change: FIXED },
  {
    bounds:
      'an image file read by im2rec; image bytes between read and write: files read, and records encoded ' +
      `(counted at ${PLANNED_BYTES_PER_PIXEL.jpeg} bytes a pixel as JPEG, ${PLANNED_BYTES_PER_PIXEL.png} as PNG until their size is known)`,
    value: `${bytes(MAX_IMAGE_FILE_BYTES)}; ${bytes(IM2REC_READ_BUDGET)} + ${bytes(IM2REC_RECORD_BUDGET)}`,
    change: FIXED,
  },
  { bounds: 'an im2rec output image (`--resize`)', value: `sides up to ${MAX_SIDE}, ${DEFAULT_PIXELS_SIDE}² pixels`, change: 'sides fixed; pixels: `--max-pixels`' },
  {
    bounds: 'one record, all its parts',
    // MAX_CHUNK_LENGTH is 2^29 - 1 bytes: shown as the 512 MiB it falls one byte short of.
    value: `${bytes(MAX_CHUNK_LENGTH + 1)} (the most one chunk holds), held once (one in several chunks: twice, while its parts are joined); any number of parts`,
    change: '`maxRecordBytes` (reader options)',
  },
  {
    bounds: '`rec import`: one member of a WebDataset shard; the members one sample keeps (its image, label and JSON; others are skipped unread); a tar extension header. `rec export`: one member written (what a plain ustar header holds)',
    value: `${bytes(MAX_IMPORT_MEMBER_BYTES)}; ${bytes(MAX_IMPORT_SAMPLE_BYTES)}; ${bytes(MAX_TAR_EXTENSION_BYTES)}; 8 GiB - 1 byte`,
    change: FIXED,
  },
  {
    bounds: 'problems `rec verify` / `rec info` list (the rest are counted by kind)',
    value: `${SHOWN_PROBLEMS} on screen, ${DEFAULT_MAX_PROBLEMS} with \`--json\` and in the library`,
    change: '`--max-problems`; `maxProblems`',
  },
  {
    bounds: "keys of a file in insightface's layout (images, identities and record 0): its header holds them as float32 labels",
    value: `${grouped(MAX_LAYOUT_KEY)} (2^24; a larger face dataset is written flat or in parts)`,
    change: FIXED,
  },
  { bounds: 'distinct first labels `rec info` counts (past it: no class count or top labels, as for a regression target)', value: grouped(DISTINCT_CAP), change: FIXED },
  { bounds: 'bits `rec audit --distance` may ask (of the 64-bit perceptual hash: the search cost grows with it)', value: String(MAX_AUDIT_DISTANCE), change: FIXED },
  { bounds: 'image bytes `verify --decode` queues for decoding', value: `${bytes(DECODE_CHECK_QUEUED_BYTES)} (a larger image is decoded alone, not copied)`, change: FIXED },
  { bounds: 'image bytes `rec view` keeps from its picks; per drawing batch', value: `${bytes(VIEW_KEPT_BYTES)}; ${bytes(VIEW_BATCH_BYTES)} (a larger image alone)`, change: FIXED },
  {
    bounds: 'an `.idx` file (read a piece at a time, a few bytes per entry)',
    value: `${bytes(MAX_INDEX_BYTES)} (about ${aboutMillions(MAX_INDEX_BYTES / INDEX_LINE_BYTES)} entries)`,
    change: '`maxBytes` of `RecordIndex.read` / `readSync`',
  },
  {
    bounds: "an `.idx`'s entries, read or written (a `.rec` of more records is written in parts); its keys that are not integers",
    value: `${MAX_INDEX_ENTRIES / MiB} Mi (${grouped(MAX_INDEX_ENTRIES)}), 4 to 20 bytes each; ${bytes(MAX_INDEX_KEY_BYTES)} of key text`,
    change: FIXED,
  },
  {
    bounds: "an image list: im2rec's `.lst` (local or remote, read whole) or the iterator's `pathImglist`; a line of either; an image path in one",
    value: `${bytes(MAX_LIST_BYTES)}; ${bytes(MAX_LINE)}; ${MAX_PATH_BYTES} bytes`,
    change: FIXED,
  },
  {
    bounds: "`im2rec --list`: images listed (all held for MXNet's shuffle); bytes of their names; one name",
    value: `${millions(MAX_LISTED_IMAGES)}; ${bytes(MAX_LISTED_NAME_BYTES)}; ${MAX_PATH_BYTES} bytes`,
    change: 'list sub-folders one at a time, with `--labels`',
  },
  {
    bounds: 'a bucket listing: one page (read whole); pages',
    value: `${bytes(MAX_LIST_PAGE_BYTES)}; ${grouped(MAX_LIST_PAGES)} (${millions(MAX_LIST_PAGES * S3_KEYS_PER_PAGE)} keys)`,
    change: FIXED,
  },
  { bounds: 'an `s3://` key', value: `${MAX_S3_KEY_BYTES} bytes (S3's own limit)`, change: FIXED },
  { bounds: 'an error message line (data in it is quoted short where it is made)', value: `${MAX_MESSAGE} characters`, change: FIXED },
  {
    bounds: 'one HTTP attempt',
    value: `${duration(DEFAULT_DEADLINE_MS)}; ${duration(DEFAULT_TIMEOUT_MS)} without data; ${bytes(DEFAULT_MIN_BYTES_PER_SECOND)}/s on average`,
    change: '`deadlineMs`, `timeoutMs`, `minBytesPerSecond`',
  },
  {
    bounds: 'HTTP retries in a row without progress; pause between them',
    value: `${DEFAULT_RETRIES}; ${duration(DEFAULT_RETRY_DELAY_MS)} doubling to ${duration(MAX_RETRY_DELAY_MS)}, or \`Retry-After\` up to ${duration(MAX_RETRY_AFTER_MS)}`,
    change: '`retries`, `retryDelayMs`',
  },
  { bounds: 'an HTTP body', value: 'the bytes asked for', change: FIXED },
  { bounds: 'HTTP redirects followed for one request', value: `${MAX_REDIRECTS}`, change: FIXED },
  { bounds: "a scan's reads from a URL (`s3://` too) in flight", value: `${REMOTE_READ_AHEAD} × ${bytes(REMOTE_BUFFER_SIZE)}`, change: '`readAhead`, `bufferSize` (reader options)' },
  {
    bounds: "the iterator's record reads from a URL (`s3://` too) in flight, through an `.idx`",
    value: `${REMOTE_READS_IN_FLIGHT}, one more each time it waits for a record, up to ${REMOTE_READS_MOST} while they hold under ${bytes(REMOTE_READ_BYTES)}`,
    change: FIXED,
  },
  {
    bounds: "an `s3://` output's upload: parts in flight; objects streamed at once; one object",
    value: `${PARTS_IN_FLIGHT} × ${bytes(PART_SIZE)} (about ${bytes(UPLOAD_MEMORY)} each); ${Math.floor(MAX_OUTPUT_MEMORY / UPLOAD_MEMORY)}; ${grouped(MAX_PARTS)} parts (${bytes(MAX_PARTS * PART_SIZE)})`,
    change: FIXED,
  },
  {
    bounds: 'one request the AWS SDK sends itself (uploads, listings)',
    value: `${duration(SDK_CONNECT_TIMEOUT_MS)} to connect; ${duration(SDK_IDLE_TIMEOUT_MS)} without data; ${SDK_ATTEMPTS} attempts`,
    change: FIXED,
  },
  {
    bounds: 'a Parquet file imported: its footer; one row group (the columns used, with what their compressed pages expand to)',
    value: `${bytes(MAX_PARQUET_FOOTER_BYTES)} and ${grouped(MAX_PARQUET_FOOTER_VALUES)} values; ${bytes(MAX_PARQUET_ROW_GROUP_BYTES)} and ${grouped(MAX_PARQUET_ROW_GROUP_VALUES)} values`,
    change: FIXED,
  },
  { bounds: 'an `s3://` label map or image read whole', value: `${bytes(MAX_LABEL_MAP_BYTES)}; ${bytes(MAX_IMAGE_FILE_BYTES)}`, change: FIXED },
  {
    bounds: 'one iterator batch; batches in flight (`prefetchBuffer` + 1)',
    value: `${bytes(MAX_BATCH_BYTES)}; half the machine's memory`,
    change: 'smaller `batchSize`, `dataShape` or `prefetchBuffer`',
  },
  { bounds: '`dataShape` height and width', value: `${MAX_SIDE}`, change: FIXED },
  {
    bounds: '`--chunks`; `--num-thread`, `--threads`, `--prefetch`',
    value: `${grouped(MAX_CHUNKS)}; ${MAX_PREFETCH === MAX_THREADS ? MAX_THREADS : `${MAX_THREADS}, ${MAX_THREADS}, ${MAX_PREFETCH}`}`,
    change: FIXED,
  },
];

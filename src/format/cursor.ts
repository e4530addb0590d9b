/**
 * Decoding records out of a window of file bytes. The cursor never does I/O:
 * when the window runs out it says which bytes it needs (NeedBytes), and a
 * window filler (windows.ts) installs a new window that starts with the tail
 * of the old one, synchronously or not, then calls next() again. Sync
 * iteration, async read-ahead and random access all share this one decoder.
 *
 * Every length is checked against the file size before anything is allocated,
 * so a corrupt length field costs an error, not a huge buffer.
 *
 * A record in several parts that reaches past the window is joined as its
 * parts arrive: the parts read so far are copied out once, and the next
 * window starts at the next part's header, not at the record's start. So a
 * record of a million small parts costs its size in copies and about its
 * size in memory (see Joining), not its size times the reads it spans.
 * Parts cost nothing each: a window's parts are counted and sized in one
 * pass over their headers and copied in a second, into one piece per window
 * (12 M empty parts once took an object each: 2.9 GB).
 * A record larger than `maxRecordBytes` is an error (RECORD_TOO_LARGE).
 */
import { RecordIOError, whatItLooksLike } from './errors.js';
import { MAX_CHUNK_LENGTH } from '../io/limits.js';
import {
  CFlag,
  CHUNK_HEADER_SIZE,
  MAGIC,
  MAGIC_BYTES,
  align4,
  countCuts,
  decodeCFlag,
  decodeLength,
  startsRecord,
} from './recordio.js';

export interface RecordIORecord {
  /** Byte offset of the record's first chunk: what an `.idx` file stores. */
  offset: number;
  /** Offset just past the record's last chunk and its padding: where the next record starts. */
  end: number;
  /** The record's bytes, parts joined with the magic put back. May share memory with the read buffer. */
  payload: Buffer;
  /** Chunks the record was stored in: 1 unless the payload holds the magic at an aligned offset. */
  parts: number;
  /** The file (or '<buffer>') it was read from. */
  file: string;
}

/** Reported in recovery mode for each damaged stretch that was stepped over. */
export interface SkipEvent {
  file: string;
  /** Where the damage was found (the head of the record that could not be read). */
  offset: number;
  /** Where reading resumed: the next record start, or the end of the range. */
  resumeAt: number;
  /** What was wrong at `offset`. */
  error: RecordIOError;
}

/**
 * The next window must start at `position` (where the cursor stands, or the
 * next part of the record being joined) and reach at least `upTo`.
 */
export class NeedBytes {
  constructor(
    readonly position: number,
    readonly upTo: number,
  ) {}
}

export interface CursorOptions {
  /** First byte to read. A record start, unless `seek` is set. Default 0. */
  from?: number;
  /** Records whose first chunk starts at or after this offset are not read. Default: the file size. */
  to?: number;
  /** `from` may be anywhere: scan forward to the first record start (dmlc's rule). */
  seek?: boolean;
  /** On damage, report it through onSkip and resume at the next record start instead of throwing. */
  recover?: boolean;
  onSkip?: (event: SkipEvent) => void;
  /**
   * Join multi-part records into one buffer that the next joined record
   * overwrites (the reader's reuseBuffers contract), instead of fresh memory.
   */
  reuseBuffers?: boolean;
  /** Where to join a multi-part record of `size` bytes instead (memory its caller keeps from one record to the next). */
  joinInto?: (size: number) => Buffer;
  /** The largest record (all its parts) read. Default MAX_CHUNK_LENGTH: the most one chunk can hold. */
  maxRecordBytes?: number;
  /**
   * With `recover`: a one-chunk record whose data holds the magic at an aligned
   * offset where a record could start is damage (OVERLONG_LENGTH), and reading
   * resumes at that magic. dmlc's writer splits a payload at every such word,
   * so in a sound file there is none: a length that lies longer than its record
   * swallows the records after it, which this gives back (without it they are
   * returned inside the lying record's payload).
   */
  checkSwallowed?: boolean;
}

/** Past this many bytes, a record being joined goes straight into one buffer (see Joining). */
const RESERVE_FROM = 16 << 20;

/**
 * A record in several parts that reaches past the window: where it starts,
 * and its parts so far, copied out before the window is replaced. Each
 * window's parts are copied as one piece (the magic put back between them),
 * and the pieces joined once at the end, until the record passes
 * RESERVE_FROM bytes: then they go straight into one buffer allocated for
 * the most the record can hold (maxRecordBytes, or the rest of the file).
 * Its pages cost memory only once written, so a huge record takes about its
 * own size, not its pieces plus their join.
 */
class Joining {
  /** Where the next part's header is. */
  next: number;
  /** Payload bytes so far, the magic between parts included. */
  total = 0;
  /** Parts copied so far. */
  parts = 0;
  private pieces: Buffer[] = [];
  private into: Buffer | null = null;
  /** With `into`: bytes written to it, the magic between parts included. */
  private filled = 0;
  /** Bytes in `pieces`. */
  private held = 0;

  constructor(
    readonly at: number,
    /** The most the payload can hold. */
    private readonly bound: number,
  ) {
    this.next = at;
  }

  /** Copies a window's parts (about to be replaced): `run.count` parts from the header at `run.head`. */
  keep(window: Window, run: Run): void {
    if (run.count === 0) return;
    if (!this.into && this.held + run.bytes > RESERVE_FROM) {
      this.into = Buffer.allocUnsafe(this.bound);
      this.filled = joinPieces(this.pieces, this.into);
      this.pieces = [];
    }
    if (this.into) this.filled = copyRun(window, run, this.into, this.parts > 0 ? putMagic(this.into, this.filled) : this.filled);
    else {
      const piece = Buffer.allocUnsafe(run.bytes);
      copyRun(window, run, piece, 0);
      this.pieces.push(piece);
      this.held += run.bytes;
    }
    this.parts += run.count;
  }

  /** The joined payload, `rest` (the last window's parts) included: `total` bytes. */
  finish(window: Window, rest: Run, total: number): Buffer {
    let out: Buffer;
    let written: number;
    if (this.into) [out, written] = [this.into, this.filled];
    else {
      out = window.allocate(total);
      written = joinPieces(this.pieces, out);
    }
    if (rest.count > 0) written = copyRun(window, rest, out, putMagic(out, written));
    return out.subarray(0, written);
  }
}

/** The parts seen so far were copied out; carry on with a window from `joining.next` that reaches `upTo`. */
class Suspended {
  constructor(
    readonly joining: Joining,
    readonly upTo: number,
  ) {}
}

const EMPTY = Buffer.alloc(0);

/** Memory for a joined multi-part payload of `size` bytes. */
type Allocate = (size: number) => Buffer;

/**
 * The bytes a cursor decodes records from, and what decoding needs to know
 * of their source. A cursor keeps one and updates it in place (set() for
 * each new window, `size` if the source ends early), so decodeRecord takes
 * it whole and nothing is allocated for it per record.
 */
class Window {
  /** The file's bytes [start, start + bytes.length). */
  bytes: Buffer = EMPTY;
  /** File offset of bytes[0]. */
  start = 0;
  /** The window's ArrayBuffer and where the window starts in it. */
  memory: ArrayBufferLike = EMPTY.buffer;
  memoryOffset = 0;
  /** The window's words, read little-endian: cheaper than Buffer.readUInt32LE before V8 has optimized the scan. */
  words: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);

  constructor(
    /** The file (or '<buffer>') the bytes come from, as records and errors name it. */
    readonly file: string,
    /** The source's size as far as known (less than it announced if it ended early). */
    public size: number,
    /** The largest record (all its parts) read. */
    readonly maxRecordBytes: number,
    /** Where multi-part records are joined. */
    readonly allocate: Allocate,
  ) {}

  /** File offset just past the window. */
  get end(): number {
    return this.start + this.bytes.length;
  }

  /** Holds the file's bytes from offset `start` on. */
  set(bytes: Buffer, start: number): void {
    this.bytes = bytes;
    this.start = start;
    // Read once per window, not per record: `buffer` is a call into V8's runtime on every use.
    this.memory = bytes.buffer;
    this.memoryOffset = bytes.byteOffset;
    this.words = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }
}

type Decoded = RecordIORecord | RecordIOError | number | Suspended; // number: the window must reach this offset

export class RecordCursor {
  /** Where the next record head is expected (or where the scan for one continues). */
  private position: number;
  private readonly to: number;
  /** The size the source announced; the window's `size` drops below it only if the source ended early. */
  private readonly announced: number;
  private seeking: boolean;
  /** While recovering: the head of the record that could not be read, and why. */
  private damage: { at: number; error: RecordIOError } | null = null;
  /** The cursor stands where a skip ended (so an early end found there is already reported). */
  private justResynced = false;
  /** While recovering from a file's first word: the error to throw if no record start follows. */
  private notRecordIO: RecordIOError | null = null;
  private readonly window: Window;
  /** With reuseBuffers: where multi-part records are joined. */
  private joined: Buffer = EMPTY;
  /** The multi-part record being joined across windows, if any (it starts at `position`). */
  private joining: Joining | null = null;
  private readonly joinBuffer = (size: number): Buffer => {
    if (this.options.joinInto) return this.options.joinInto(size);
    if (!this.options.reuseBuffers) return Buffer.allocUnsafe(size);
    if (this.joined.length < size) this.joined = Buffer.allocUnsafe(Math.max(size, 2 * this.joined.length));
    return this.joined.subarray(0, size);
  };
  readonly skipped = { records: 0, bytes: 0 };

  constructor(
    file: string,
    size: number,
    private readonly options: CursorOptions = {},
  ) {
    this.announced = size;
    this.window = new Window(file, size, options.maxRecordBytes ?? MAX_CHUNK_LENGTH, this.joinBuffer);
    this.position = options.from ?? 0;
    this.to = Math.min(options.to ?? size, size);
    this.seeking = options.seek === true;
    if (this.seeking) this.position = align4(this.position);
  }

  /** The file (or '<buffer>') the records are read from, as the window names it. */
  private get file(): string {
    return this.window.file;
  }

  /** The next record, null when the range is done, or the bytes to load first. */
  next(): RecordIORecord | NeedBytes | null {
    for (;;) {
      if (this.seeking) {
        const found = this.scanForHead();
        if (found instanceof NeedBytes) return found;
        if (found) this.notRecordIO = null;
        else if (this.notRecordIO) throw this.notRecordIO;
        else return null;
        continue;
      }
      if (this.position >= this.to) return null;
      if (this.position < this.window.start && !this.joining) return this.request(this.position + CHUNK_HEADER_SIZE);
      if (this.position >= this.window.size) {
        // Only when the source ended before its announced size, at a record boundary.
        const error = this.endedEarly(this.position);
        if (!this.options.recover) throw error;
        if (!this.justResynced) this.report(this.position, this.position, error);
        this.position = this.to;
        return null;
      }
      if (!this.joining) {
        const whole = this.wholeRecordAt(this.position);
        if (typeof whole === 'number') return this.request(whole);
        if (whole !== null && !this.swallows(whole)) {
          this.position = whole.end;
          this.justResynced = false;
          return whole;
        }
      }
      let decoded = decodeRecord(this.window, this.position, this.joining);
      if (!(decoded instanceof RecordIOError) && typeof decoded === 'object' && !(decoded instanceof Suspended)) {
        const inside = this.swallowedStart(decoded);
        if (inside >= 0) {
          const length = decoded.payload.length;
          decoded = new RecordIOError('OVERLONG_LENGTH', this.file, decoded.offset, `the chunk declares ${length} bytes, but a record starts inside them at byte ${inside} (a sound chunk never holds the magic there): its length is wrong`);
        }
      }
      if (typeof decoded === 'number') return this.request(decoded);
      if (decoded instanceof Suspended) {
        this.joining = decoded.joining;
        return new NeedBytes(decoded.joining.next, decoded.upTo);
      }
      this.joining = null;
      if (decoded instanceof RecordIOError) {
        if (this.window.size < this.announced && (decoded.code === 'TRUNCATED' || decoded.code === 'TRAILING_BYTES')) {
          decoded = this.endedEarly(decoded.offset);
        }
        if (!this.options.recover) throw decoded;
        if (decoded.code === 'NOT_RECORDIO') {
          // Damage to a .rec's first word, or a file of another kind: recovery tells them apart by
          // finding a record start later on, or not (then this error ends the scan).
          this.notRecordIO = decoded;
          decoded = new RecordIOError('BAD_MAGIC', this.file, 0, 'no magic at the start of the file (expected 0a 23 d7 ce)');
        }
        this.damage = { at: this.position, error: decoded };
        this.seeking = true;
        this.position += 4;
        continue;
      }
      this.position = decoded.end;
      this.justResynced = false;
      return decoded;
    }
  }

  private endedEarly(offset: number): RecordIOError {
    return new RecordIOError(
      'TRUNCATED',
      this.file,
      offset,
      `the file ended at byte ${this.window.size}, before its announced size of ${this.announced} bytes (did it change while being read?)`,
    );
  }

  /** Size of the source as far as the cursor knows (less than announced if it ended early). */
  get sourceSize(): number {
    return this.window.size;
  }

  /** The window's bytes from file offset `from` to its end: what the next window must begin with. */
  tail(from: number): Buffer {
    const { bytes, start, end } = this.window;
    return from >= start && from < end ? bytes.subarray(from - start) : EMPTY;
  }

  /** Installs a window holding the file's bytes from offset `start` on. */
  setWindow(window: Buffer, start: number): void {
    this.window.set(window, start);
  }

  /**
   * The hot path: the record at `at` when it is one whole chunk inside the
   * window (nearly every record), the offset the window must reach when only
   * the window is too short for it, or null for anything else (parts,
   * damage, the end of the source), which decodeRecord handles. Kept small
   * on purpose: the general decoder is large, and called once per record V8
   * compiles it in the background, which took the CPU a scan needed on a
   * two-core machine.
   */
  private wholeRecordAt(at: number): RecordIORecord | number | null {
    const window = this.window;
    const windowEnd = window.start + window.bytes.length;
    if ((at & 3) !== 0) return null;
    if (at + CHUNK_HEADER_SIZE > windowEnd) return at + CHUNK_HEADER_SIZE <= window.size ? at + CHUNK_HEADER_SIZE : null;
    const head = at - window.start;
    if (window.words.getUint32(head, true) !== MAGIC) return null;
    const lrecord = window.words.getUint32(head + 4, true);
    const end = at + CHUNK_HEADER_SIZE + align4(lrecord); // cflag 0: lrecord is the length
    if (lrecord >>> 29 !== CFlag.Whole || end > window.size) return null;
    if (end > windowEnd) return end;
    // A view of the window: Buffer.from(arrayBuffer, ...) makes one faster than subarray (timed per
    // payload: docs/guides/performance.md, "Format core").
    const payload = Buffer.from(window.memory, window.memoryOffset + head + CHUNK_HEADER_SIZE, lrecord);
    return { offset: at, end, payload, parts: 1, file: this.file };
  }

  /** With checkSwallowed (and recover): whether a record starts inside this one (see swallowedStart). */
  private swallows(record: RecordIORecord): boolean {
    return this.options.checkSwallowed === true && this.options.recover === true && this.swallowedStart(record) >= 0;
  }

  /**
   * With checkSwallowed (and recover): the first aligned magic inside a
   * one-chunk record's data that could start a record (cflag 0 or 1, fitting
   * in the file: scanForHead's test, so recovery resumes there), or -1. The
   * record lies in the window; the words are searched only when the addon's
   * count finds one (almost never).
   */
  private swallowedStart(record: RecordIORecord): number {
    if (this.options.checkSwallowed !== true || this.options.recover !== true) return -1;
    if (record.parts !== 1 || countCuts(record.payload) === 0) return -1;
    const { window } = this;
    const dataEnd = record.offset + CHUNK_HEADER_SIZE + (record.payload.length & ~3);
    for (let at = this.findAlignedMagic(record.offset + CHUNK_HEADER_SIZE); at !== -1 && at < dataEnd; at = this.findAlignedMagic(at + 4)) {
      // The length word may lie past the window: scanForHead looks there when it resumes.
      if (at + CHUNK_HEADER_SIZE > window.end) return at + CHUNK_HEADER_SIZE <= window.size ? at : -1;
      const lrecord = window.bytes.readUInt32LE(at - window.start + 4);
      if (startsRecord(decodeCFlag(lrecord)) && at + CHUNK_HEADER_SIZE + align4(decodeLength(lrecord)) <= window.size) return at;
    }
    return -1;
  }

  /** The source ended at `size`, before the size it announced (it shrank while being read). */
  endedAt(size: number): void {
    this.window.size = Math.min(this.window.size, size);
  }

  /**
   * Moves `position` to the next record start before `to`: an aligned magic
   * whose chunk begins a record (cflag 0 or 1) and fits in the file. Returns
   * true when found, false at the end of the range.
   */
  private scanForHead(): boolean | NeedBytes {
    const { window } = this;
    const limit = Math.min(this.to, window.size);
    while (this.position < limit && this.position + CHUNK_HEADER_SIZE <= window.size) {
      const windowEnd = window.end;
      if (this.position < window.start || this.position + 4 > windowEnd) {
        return this.request(this.position + CHUNK_HEADER_SIZE);
      }
      const at = this.findAlignedMagic(this.position);
      if (at === -1) {
        this.position = align4(windowEnd - 3); // first aligned word not wholly in the window
        continue;
      }
      if (at >= limit) break;
      if (at + CHUNK_HEADER_SIZE > windowEnd) {
        this.position = at;
        return this.request(at + CHUNK_HEADER_SIZE);
      }
      const lrecord = window.bytes.readUInt32LE(at - window.start + 4);
      if (startsRecord(decodeCFlag(lrecord)) && at + CHUNK_HEADER_SIZE + align4(decodeLength(lrecord)) <= window.size) {
        this.endSeek(at);
        return true;
      }
      this.position = at + 4;
    }
    this.endSeek(limit);
    return false;
  }

  /** File offset of the first 4-byte-aligned magic at or after `from` in the window, or -1. */
  private findAlignedMagic(from: number): number {
    const { bytes, start } = this.window;
    let i = bytes.indexOf(MAGIC_BYTES, from - start);
    while (i !== -1 && ((start + i) & 3) !== 0) i = bytes.indexOf(MAGIC_BYTES, i + 1);
    return i === -1 ? -1 : start + i;
  }

  private endSeek(at: number): void {
    if (this.damage) {
      this.report(this.damage.at, Math.max(at, this.damage.at), this.damage.error);
      this.damage = null;
      this.justResynced = true;
    }
    this.position = at;
    this.seeking = false;
  }

  private report(offset: number, resumeAt: number, error: RecordIOError): void {
    this.skipped.records += 1;
    this.skipped.bytes += resumeAt - offset;
    this.options.onSkip?.({ file: this.file, offset, resumeAt, error });
  }

  /** Asks for a window that starts at `position` and reaches at least `upTo`. */
  private request(upTo: number): NeedBytes {
    return new NeedBytes(this.position, upTo);
  }
}

/**
 * Decodes the record whose first chunk is at `at`, chunk by chunk, from the
 * window: from the start or (with `joining`) from the next part of a record
 * whose first parts came in earlier windows. Returns the record, an error,
 * the parts so far (Suspended), or the offset the window must reach before
 * it can tell.
 */
function decodeRecord(window: Window, at: number, joining: Joining | null): Decoded {
  const { bytes, start: windowStart, size, file, maxRecordBytes: maxBytes } = window;
  const windowEnd = windowStart + bytes.length;
  if ((at & 3) !== 0) {
    return new RecordIOError('NOT_A_RECORD_START', file, at, 'records start at multiples of 4');
  }
  if (at === 0 && !joining && size > 0) {
    // The first bytes tell a wrong file given (its .idx, an image) from a damaged .rec.
    const need = Math.min(MAGIC_BYTES.length, size);
    if (windowStart !== 0 || bytes.length < need) return need;
    if (!bytes.subarray(0, need).equals(MAGIC_BYTES.subarray(0, need))) {
      return new RecordIOError('NOT_RECORDIO', file, 0, `not a RecordIO file (${whatItLooksLike(bytes)}); a .rec starts with the magic 0a 23 d7 ce`);
    }
  }
  if (!joining && size - at < CHUNK_HEADER_SIZE) {
    return new RecordIOError(
      'TRAILING_BYTES',
      file,
      at,
      `${size - at} bytes after the last record cannot hold a chunk header (file size ${size} is not a whole number of records)`,
    );
  }
  let pos = joining ? joining.next : at;
  let parts = joining ? joining.parts : 0;
  let total = joining ? joining.total : 0;
  /** This window's parts: copied out if the record goes on past the window (no array of them: see Joining). */
  const here: Run = { head: pos, count: 0, bytes: 0 };
  const suspend = (upTo: number): Decoded => {
    // The first part is not in yet: widen the window from the record's start, as for any record.
    if (parts === 0) return upTo;
    const record = joining ?? new Joining(at, Math.min(maxBytes, size - at));
    record.keep(window, here);
    record.next = pos;
    record.total = total;
    return new Suspended(record, upTo);
  };
  for (;;) {
    if (pos + CHUNK_HEADER_SIZE > size) {
      return new RecordIOError('TRUNCATED', file, pos, `the file ends inside the header of part ${parts + 1} of the record at byte ${at}`);
    }
    if (pos + CHUNK_HEADER_SIZE > windowEnd) return suspend(pos + CHUNK_HEADER_SIZE);
    const head = pos - windowStart;
    const magic = bytes.readUInt32LE(head);
    if (magic !== MAGIC) {
      const hex = `0x${magic.toString(16).padStart(8, '0')}`;
      const what =
        parts === 0
          ? `bad magic ${hex} (expected 0xced7230a: no record starts here)`
          : `bad magic ${hex} where part ${parts + 1} of the record at byte ${at} should start`;
      return new RecordIOError('BAD_MAGIC', file, pos, what);
    }
    const lrecord = bytes.readUInt32LE(head + 4);
    const cflag = decodeCFlag(lrecord);
    const length = decodeLength(lrecord);
    if (cflag > CFlag.Last) {
      return new RecordIOError('BAD_CFLAG', file, pos, `chunk header has cflag ${cflag} (expected 0..3)`);
    }
    if (parts === 0 && !startsRecord(cflag)) {
      return new RecordIOError(
        'BAD_SEQUENCE',
        file,
        at,
        `chunk has cflag ${cflag} (${cflag === CFlag.Middle ? 'middle' : 'last'} part) but no record was started`,
      );
    }
    if (parts > 0 && startsRecord(cflag)) {
      return new RecordIOError(
        'BAD_SEQUENCE',
        file,
        pos,
        `the multi-part record at byte ${at} has no last part: a new record starts here`,
      );
    }
    const next = pos + CHUNK_HEADER_SIZE + align4(length);
    if (next > size) {
      return new RecordIOError(
        'TRUNCATED',
        file,
        pos,
        `chunk declares ${length} bytes but the file ends at byte ${size}` + (parts > 0 ? ` (part ${parts + 1} of the record at byte ${at})` : ''),
      );
    }
    const grown = total + length + (parts > 0 ? MAGIC_BYTES.length : 0);
    if (grown > maxBytes) {
      return new RecordIOError('RECORD_TOO_LARGE', file, at, `the record's parts hold more than the ${maxBytes} bytes read at most (maxRecordBytes)`);
    }
    if (next > windowEnd) return suspend(next);
    here.bytes += length + (here.count > 0 ? MAGIC_BYTES.length : 0);
    here.count += 1;
    parts += 1;
    total = grown;
    pos = next;
    if (cflag === CFlag.Whole || cflag === CFlag.Last) break;
  }
  if (parts === 1) {
    return { offset: at, end: pos, payload: partData(window, here.head), parts, file };
  }
  const payload = joining ? joining.finish(window, here, total) : copyAll(window, here, window.allocate(total));
  return { offset: at, end: pos, payload, parts, file };
}

/** Parts of a record that lie in one window: `count` of them from the header at file offset `head`, `bytes` joined. */
interface Run {
  head: number;
  count: number;
  /** Their data with the magic put back between them (not before the first). */
  bytes: number;
}

/** Writes the magic at `at` in `out`; returns the offset just past it. */
function putMagic(out: Buffer, at: number): number {
  out.writeUInt32LE(MAGIC, at);
  return at + MAGIC_BYTES.length;
}

/**
 * Copies a run's parts into `out` at `at`, the magic between them, walking
 * their headers again (the first pass only counted them); returns the offset
 * just past the last. Empty parts cost no copy call.
 */
function copyRun(window: Window, run: Run, out: Buffer, at: number): number {
  const { bytes } = window;
  let head = run.head - window.start;
  for (let k = 0; k < run.count; k++) {
    if (k > 0) at = putMagic(out, at);
    const length = decodeLength(bytes.readUInt32LE(head + 4));
    if (length > 0) at += bytes.copy(out, at, head + CHUNK_HEADER_SIZE, head + CHUNK_HEADER_SIZE + length);
    head += CHUNK_HEADER_SIZE + align4(length);
  }
  return at;
}

/** A record whose parts all lie in the window, joined into `out` (exactly its size). */
function copyAll(window: Window, run: Run, out: Buffer): Buffer {
  copyRun(window, run, out, 0);
  return out;
}

/** Pieces in `out`, one after the other, the magic between them; returns the bytes written. */
function joinPieces(pieces: readonly Buffer[], out: Buffer): number {
  let written = 0;
  pieces.forEach((piece, i) => {
    if (i > 0) written = putMagic(out, written);
    written += piece.copy(out, written);
  });
  return written;
}

/** The data of the chunk whose header is at file offset `head`, as a view of the window. */
function partData(window: Window, head: number): Buffer {
  const at = head - window.start;
  const length = decodeLength(window.bytes.readUInt32LE(at + 4));
  return Buffer.from(window.memory, window.memoryOffset + at + CHUNK_HEADER_SIZE, length);
}

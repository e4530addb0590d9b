/**
 * Window fillers: the I/O half of reading. A RecordCursor says which bytes it
 * needs; a filler reads them and installs a new window that begins with the
 * tail of the old one (the partial record the cursor stands on).
 *
 * - DirectWindows reads exactly there, when asked, on the calling thread (or
 *   one read at a time for async): random access, and scans without read-ahead.
 * - ReadAheadWindows keeps several fixed-size blocks in flight on other
 *   threads (io/block-reads.ts), so the kernel copies the next blocks on other
 *   cores while the caller works through the current one: sequential scans.
 *
 * Either can reuse its memory (reuseBuffers): a payload is then valid only
 * until the next record is read, as with dmlc's reused record buffer, and no
 * fresh pages are faulted in for each read. Otherwise every window is new
 * memory and payloads stay valid for as long as they are referenced.
 */
import { type ByteSource, readFully, readFullySync } from '../io/byte-source.js';
import type { BlockReads } from '../io/block-reads.js';
import type { NeedBytes, RecordCursor } from './cursor.js';
import { DEFAULT_READ_AHEAD } from '../io/limits.js';

export const DEFAULT_BUFFER_SIZE = 2 << 20;

export interface WindowOptions {
  /** Bytes per read. Records larger than this are read whole. */
  bufferSize?: number;
  /** Reuse read memory; see the module comment. */
  reuseBuffers?: boolean;
}

/** Reads [position + tail, max(upTo, position + bufferSize)) and installs tail + those bytes. */
export class DirectWindows {
  private storage = Buffer.alloc(0);
  private readonly bufferSize: number;

  constructor(
    private readonly source: ByteSource,
    private readonly options: WindowOptions = {},
  ) {
    this.bufferSize = Math.max(options.bufferSize ?? DEFAULT_BUFFER_SIZE, 64);
  }

  private prepare(cursor: RecordCursor, need: NeedBytes): { buffer: Buffer; carried: number; length: number } {
    const want = Math.min(cursor.sourceSize, Math.max(need.upTo, need.position + this.bufferSize)) - need.position;
    const carry = cursor.tail(need.position);
    let buffer: Buffer;
    if (!this.options.reuseBuffers) {
      buffer = Buffer.allocUnsafe(want);
      carry.copy(buffer, 0);
    } else if (this.storage.length >= want) {
      buffer = this.storage;
      if (carry.length > 0 && carry.buffer === buffer.buffer) {
        // The tail lies in this same memory: move it to the front.
        const from = carry.byteOffset - buffer.byteOffset;
        buffer.copyWithin(0, from, from + carry.length);
      } else {
        carry.copy(buffer, 0); // a window this filler did not make
      }
    } else {
      // Memory of its own, not a slice of Node's shared pool (see the test of carry.buffer above).
      buffer = this.storage = Buffer.allocUnsafeSlow(want);
      carry.copy(buffer, 0);
    }
    return { buffer, carried: carry.length, length: want - carry.length };
  }

  private install(cursor: RecordCursor, need: NeedBytes, p: { buffer: Buffer; carried: number; length: number }, n: number): void {
    if (n < p.length) cursor.endedAt(need.position + p.carried + n);
    cursor.setWindow(p.buffer.subarray(0, p.carried + n), need.position);
  }

  fillSync(cursor: RecordCursor, need: NeedBytes): void {
    const p = this.prepare(cursor, need);
    this.install(cursor, need, p, readFullySync(this.source, p.buffer, p.carried, p.length, need.position + p.carried));
  }

  async fill(cursor: RecordCursor, need: NeedBytes): Promise<void> {
    const p = this.prepare(cursor, need);
    this.install(cursor, need, p, await readFully(this.source, p.buffer, p.carried, p.length, need.position + p.carried));
  }

  /** Nothing is left in flight between fills. */
  async close(): Promise<void> {}

  closeSync(): void {}
}

interface Block {
  /** File offset of the block's first byte. */
  start: number;
  /** headroom + block data. */
  buffer: Buffer;
  /** Bytes asked for: blockSize, or less for the last block of the source. */
  asked: number;
  /** What to wait on for the bytes read. */
  ticket: number;
}

/** A window read in one piece by ReadAheadWindows.startLong. */
interface LongWindow {
  buffer: Buffer;
  /** Bytes of the old window at its start. */
  carried: number;
  ticket: number;
}

/**
 * Sequential windows from blocks read ahead. Each block buffer has room in
 * front of its data for the tail of the previous window, so moving on costs a
 * copy of that partial record, not of the block. The reads run elsewhere
 * (BlockReads: the addon's reader threads, or libuv's pool), so the kernel
 * copies the next blocks on other cores while the caller works through the
 * current one; with reader threads a sync scan reads ahead too.
 */
export class ReadAheadWindows {
  private readonly blockSize: number;
  private readonly headroom: number;
  private readonly longFrom: number;
  private readonly inFlight: Block[] = [];
  /** File offset of the next block to request. */
  private nextBlock = 0;
  /** File offset where the blocks in flight begin: the end of the last window handed out (-1: none yet). */
  private handedOut = -1;
  /** With reuseBuffers: block buffers free for the next reads, and the one the window lives in. */
  private readonly free: Buffer[] = [];
  private current: Buffer | null = null;
  /** With reuseBuffers: the memory of the last long window, kept for the next (see startLong). */
  private long: Buffer | null = null;

  constructor(
    private readonly reads: BlockReads,
    private readonly options: WindowOptions & {
      /** Blocks to keep in flight. Default DEFAULT_READ_AHEAD. */
      depth?: number;
      /** Do not read ahead from here on (the end of the scan's range); later bytes are read on demand. */
      limit?: number;
      /**
       * A window reaching more than this past the old one is read in one piece
       * (startLong), the reads in flight dropped; a shorter one is gathered
       * from the blocks. Default: one block. A URL's blocks are small requests,
       * and dropping 16 of them for each record of a few blocks would fetch
       * the file many times over.
       */
      longFrom?: number;
    } = {},
  ) {
    this.blockSize = Math.max(options.bufferSize ?? DEFAULT_BUFFER_SIZE, 64);
    this.headroom = Math.max(this.blockSize >> 2, 64);
    this.longFrom = Math.max(options.longFrom ?? this.blockSize, this.blockSize);
  }

  private startRead(size: number): void {
    const start = this.nextBlock;
    const asked = Math.min(this.blockSize, size - start);
    this.nextBlock += asked;
    const buffer = (this.options.reuseBuffers && this.free.pop()) || Buffer.allocUnsafe(this.headroom + this.blockSize);
    this.inFlight.push({ start, buffer, asked, ticket: this.reads.start(buffer, this.headroom, asked, start) });
  }

  private topUp(size: number): void {
    const limit = Math.min(this.options.limit ?? size, size);
    const depth = Math.max(this.options.depth ?? DEFAULT_READ_AHEAD, 1);
    while (this.inFlight.length < depth && this.nextBlock < limit) this.startRead(size);
  }

  /** The next block to wait for (read on demand past the limit), with `depth` reads kept going meanwhile. */
  private take(size: number): Block | null {
    if (this.inFlight.length === 0 && this.nextBlock < size) this.startRead(size);
    const oldest = this.inFlight.shift();
    this.topUp(size);
    return oldest ?? null;
  }

  private release(buffer: Buffer | null): void {
    if (buffer && this.options.reuseBuffers) this.free.push(buffer);
  }

  /** Where the cursor's window ends: where the blocks in flight must begin, or the sequence starts again. */
  private windowEnd(cursor: RecordCursor, need: NeedBytes): number {
    return need.position + cursor.tail(need.position).length;
  }

  fillSync(cursor: RecordCursor, need: NeedBytes): void {
    const end = this.windowEnd(cursor, need);
    if (this.handedOut !== end) {
      // First fill, or the cursor left the block sequence: start the sequence where its window ends.
      this.drainSync();
      this.nextBlock = end;
    }
    const size = cursor.sourceSize;
    if (need.upTo - end > this.longFrom) {
      this.drainSync();
      const long = this.startLong(cursor, need);
      this.installLong(cursor, need, long, this.reads.waitSync(long.ticket));
      return;
    }
    this.topUp(size);
    const got: Array<[Block, number]> = [];
    for (let block = this.take(size); block; block = this.take(size)) {
      got.push([block, this.reads.waitSync(block.ticket)]);
      if (!this.wantsMore(need, got)) break;
    }
    this.install(cursor, need, got);
  }

  async fill(cursor: RecordCursor, need: NeedBytes): Promise<void> {
    const end = this.windowEnd(cursor, need);
    if (this.handedOut !== end) {
      await this.drain();
      this.nextBlock = end;
    }
    const size = cursor.sourceSize;
    if (need.upTo - end > this.longFrom) {
      await this.drain();
      const long = this.startLong(cursor, need);
      this.installLong(cursor, need, long, await this.reads.wait(long.ticket));
      return;
    }
    this.topUp(size);
    const got: Array<[Block, number]> = [];
    for (let block = this.take(size); block; block = this.take(size)) {
      got.push([block, await this.reads.wait(block.ticket)]);
      if (!this.wantsMore(need, got)) break;
    }
    this.install(cursor, need, got);
  }

  /** More blocks are needed: the window does not reach `upTo` yet and the source has not ended. */
  private wantsMore(need: NeedBytes, got: Array<[Block, number]>): boolean {
    const [block, length] = got[got.length - 1]!;
    return block.start + length < need.upTo && length === block.asked;
  }

  /**
   * A window reaching more than a block past the old one (a record larger
   * than a block): one buffer of exactly that, the old window's tail copied
   * in and the rest read straight into it in one read. Gathering blocks and
   * joining them held the record twice (a 512 MiB record took 1.1 GB). With
   * reuseBuffers the memory is kept for the next long window that fits in
   * it, so that a run of huge records is not one fresh buffer each, waiting
   * to be collected.
   */
  private startLong(cursor: RecordCursor, need: NeedBytes): LongWindow {
    const carry = cursor.tail(need.position);
    const length = Math.min(need.upTo, cursor.sourceSize) - need.position;
    let buffer: Buffer;
    if (this.long && this.long.length >= length) {
      if (carry.buffer === this.long.buffer) {
        const from = carry.byteOffset - this.long.byteOffset; // the tail of the last long window: move it to the front
        this.long.copyWithin(0, from, from + carry.length);
      } else carry.copy(this.long, 0);
      buffer = this.long.subarray(0, length);
    } else {
      // Memory of its own (never a slice of Node's shared pool, as a small allocUnsafe is), so that a carry in
      // the same ArrayBuffer is in this window.
      buffer = Buffer.allocUnsafeSlow(length);
      carry.copy(buffer, 0);
      if (this.options.reuseBuffers) this.long = buffer;
    }
    const ticket = this.reads.start(buffer, carry.length, buffer.length - carry.length, need.position + carry.length);
    return { buffer, carried: carry.length, ticket };
  }

  /** Installs a long window (`n` bytes read into it), and starts reading ahead after it. */
  private installLong(cursor: RecordCursor, need: NeedBytes, long: LongWindow, n: number): void {
    const reached = need.position + long.carried + n;
    if (long.carried + n < long.buffer.length) cursor.endedAt(reached);
    this.handedOut = this.nextBlock = reached;
    this.release(this.current);
    this.current = null;
    cursor.setWindow(long.buffer.subarray(0, long.carried + n), need.position);
    this.topUp(cursor.sourceSize);
  }

  /** Installs the window: the old window's tail followed by the blocks read. */
  private install(cursor: RecordCursor, need: NeedBytes, got: Array<[Block, number]>): void {
    const carry = cursor.tail(need.position);
    const last = got[got.length - 1];
    const reached = last ? last[0].start + last[1] : need.position + carry.length;
    // Every fill leaves the cursor a window reaching `upTo`, or tells it the source ends sooner: never a loop.
    if (!last || reached < need.upTo || last[1] < last[0].asked) cursor.endedAt(reached);
    this.handedOut = reached;

    let window: Buffer;
    let backing: Buffer | null = null;
    if (got.length === 1 && carry.length <= this.headroom) {
      const [first, length] = got[0]!;
      carry.copy(first.buffer, this.headroom - carry.length);
      window = first.buffer.subarray(this.headroom - carry.length, this.headroom + length);
      backing = first.buffer;
    } else {
      // A record longer than one block (or no data left): gather what it spans into one buffer.
      window = Buffer.concat([carry, ...got.map(([c, length]) => c.buffer.subarray(this.headroom, this.headroom + length))]);
      for (const [c] of got) this.release(c.buffer);
    }
    // The old window's memory is free once the cursor moves on (reuseBuffers' contract).
    this.release(this.current);
    this.current = backing;
    cursor.setWindow(window, need.position);
  }

  /** Waits for reads still in flight (before the source is closed). */
  async drain(): Promise<void> {
    for (const block of this.inFlight.splice(0)) {
      try {
        await this.reads.wait(block.ticket);
        this.release(block.buffer);
      } catch {
        // a read that failed after the scan stopped needing it
      }
    }
  }

  drainSync(): void {
    for (const block of this.inFlight.splice(0)) {
      try {
        this.reads.waitSync(block.ticket);
        this.release(block.buffer);
      } catch {
        // as in drain()
      }
    }
  }

  /** Done with the source: no read may target it any more (the reader threads, if any, stop). */
  async close(): Promise<void> {
    if (!this.reads.sync) await this.drain();
    this.closeSync();
  }

  /** close() for reads that can be waited for synchronously (reader threads stop at once). */
  closeSync(): void {
    this.inFlight.length = 0;
    this.reads.close();
  }
}

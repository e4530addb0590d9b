/**
 * Buffers given back after use and handed out again, for a pipeline that
 * reads thousands of files of similar sizes. Why not fresh ones: Node frees
 * a Buffer's memory only after a garbage collection, so a stream of fresh
 * buffers keeps growing the heap into pages never touched before, and the
 * first touch of each page is a fault (on the VMs measured, more time than
 * reading the file into it: a quarter of a pass-through pack's time). A
 * buffer given back is reused at once, its pages already there.
 *
 * Sizes are rounded up to a class (four per doubling, whole 4 KiB pages), so
 * a buffer fits any request of its class; at most `maxIdleBytes` wait
 * unused, and requests over `maxBufferBytes` get a fresh buffer that is not
 * kept. give() must be called once per take(), and only when the bytes are
 * no longer used anywhere: the next take() may hand the same memory out.
 */
export class BufferPool {
  private readonly idle = new Map<number, ArrayBuffer[]>();
  private idleBytes = 0;

  constructor(
    readonly maxIdleBytes: number,
    readonly maxBufferBytes: number,
  ) {}

  /** `size` bytes, not zeroed: a view of the start of a pooled buffer, or a fresh one. */
  take(size: number): Buffer {
    const capacity = classOf(size);
    if (capacity > this.maxBufferBytes) return Buffer.allocUnsafeSlow(size);
    const kept = this.idle.get(capacity)?.pop();
    if (kept) this.idleBytes -= capacity;
    // allocUnsafeSlow: a buffer of its own, not zeroed (new ArrayBuffer() zeroes it).
    return Buffer.from(kept ?? Buffer.allocUnsafeSlow(capacity).buffer, 0, size);
  }

  /** Gives back a buffer take() returned, to be handed out again. */
  give(buffer: Buffer): void {
    const whole = buffer.buffer;
    const capacity = whole.byteLength;
    if (!(whole instanceof ArrayBuffer) || buffer.byteOffset !== 0 || capacity !== classOf(buffer.byteLength)) return; // not one of ours
    if (capacity > this.maxBufferBytes || this.idleBytes + capacity > this.maxIdleBytes) return;
    let list = this.idle.get(capacity);
    if (!list) this.idle.set(capacity, (list = []));
    list.push(whole);
    this.idleBytes += capacity;
  }
}

const PAGE = 4096;

/** The capacity a request of `size` bytes is served from: the next of 2^(k/4), in whole pages. */
export function classOf(size: number): number {
  if (size <= PAGE) return PAGE;
  const step = 2 ** Math.floor(Math.log2(size - 1)) / 4; // a quarter of the power of two below
  const rounded = Math.ceil(size / step) * step;
  return Math.ceil(rounded / PAGE) * PAGE;
}

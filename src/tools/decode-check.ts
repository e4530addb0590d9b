/**
 * Does every image decode? Images are decoded for real (every byte of a
 * JPEG's entropy-coded data is read, so truncation and broken data show) but
 * at the smallest DCT scale into an 8x8 output, which keeps the check cheap.
 * Batches go to the thread pool while the caller reads on: copies of the
 * images (the caller's buffer is reused), up to QUEUED_BYTES of them queued
 * and a batch as large decoding. An image of QUEUED_BYTES or more is not
 * copied: it is decoded on its own from the caller's buffer, which the caller
 * keeps until add() resolves (a 512 MiB record was held twice).
 */
import os from 'node:os';
import { decodeIntoMany } from '../codec/codec.js';
import type { ImageError } from '../codec/types.js';
import { DECODE_CHECK_QUEUED_BYTES as QUEUED_BYTES } from '../io/limits.js';

const SIDE = 8;
const PER_THREAD = 32;

export class DecodeCheck<T> {
  private queue: { image: Uint8Array; tag: T }[] = [];
  private queued = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly batch: number;

  constructor(
    private readonly onBad: (tag: T, error: ImageError) => void,
    private readonly threads = os.availableParallelism(),
  ) {
    this.batch = PER_THREAD * threads;
  }

  /**
   * Queues an image (copied: the caller's buffer may be reused); waits only
   * when a batch is still decoding, or for a large image, until it is decoded.
   */
  async add(image: Uint8Array, tag: T): Promise<void> {
    if (image.length >= QUEUED_BYTES) {
      await this.finish();
      this.send([{ image, tag }]);
      await this.inFlight;
      return;
    }
    this.queue.push({ image: new Uint8Array(image), tag });
    this.queued += image.length;
    if (this.queue.length >= this.batch || this.queued >= QUEUED_BYTES) await this.dispatch();
  }

  /** Decodes what is queued and waits for everything. */
  async finish(): Promise<void> {
    await this.dispatch();
    await this.inFlight;
  }

  private async dispatch(): Promise<void> {
    await this.inFlight;
    const items = this.queue;
    this.queue = [];
    this.queued = 0;
    this.send(items);
  }

  /** Starts decoding `items` (none in flight), spread over the threads. */
  private send(items: { image: Uint8Array; tag: T }[]): void {
    if (items.length === 0) return;
    const size = Math.ceil(items.length / this.threads);
    const groups: Promise<void>[] = [];
    for (let g = 0; g < items.length; g += size) {
      const group = items.slice(g, g + size);
      const out = new Uint8Array(group.length * SIDE * SIDE * 3);
      const jobs = group.map((x, i) => ({ input: x.image, out, offset: i * SIDE * SIDE * 3, options: { width: SIDE, height: SIDE } }));
      groups.push(
        decodeIntoMany(jobs).then((results) =>
          results.forEach((err, i) => {
            if (err) this.onBad(group[i]!.tag, err);
          }),
        ),
      );
    }
    this.inFlight = Promise.all(groups).then(() => undefined);
  }
}

/**
 * Does every image decode? Images are decoded for real (every byte of a
 * JPEG's entropy-coded data is read, so truncation and broken data show) but
 * at the smallest DCT scale into an 8x8 output, which keeps the check cheap.
 * Batches go to the thread pool while the caller reads on.
 */
import os from 'node:os';
import { decodeIntoMany } from '../codec/codec.js';
import type { ImageError } from '../codec/types.js';

const SIDE = 8;
const PER_THREAD = 32;

export class DecodeCheck<T> {
  private queue: { image: Uint8Array; tag: T }[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private readonly batch: number;

  constructor(
    private readonly onBad: (tag: T, error: ImageError) => void,
    private readonly threads = os.availableParallelism(),
  ) {
    this.batch = PER_THREAD * threads;
  }

  /** Queues an image (copied: the caller's buffer may be reused); waits only when a batch is still decoding. */
  async add(image: Uint8Array, tag: T): Promise<void> {
    this.queue.push({ image: new Uint8Array(image), tag });
    if (this.queue.length >= this.batch) await this.dispatch();
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

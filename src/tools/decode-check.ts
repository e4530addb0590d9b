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

/** An item queued: an image to decode (null: nothing to decode, only passed along in order). */
interface Queued<T> {
  image: Uint8Array | null;
  tag: T;
}

export class DecodeCheck<T> {
  /** Items of fewer bytes are queued as copies (add's `owned`); larger ones are decoded alone from the caller's memory. */
  static readonly copiedBelow = QUEUED_BYTES;
  private queue: Queued<T>[] = [];
  private queued = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly batch: number;

  constructor(
    private readonly onBad: (tag: T, error: ImageError) => void,
    private readonly threads = os.availableParallelism(),
    /**
     * Told of every item once its batch is decoded, in the order added (null:
     * it decoded, or had nothing to decode), after onBad; a promise it returns
     * is awaited before the next batch is sent. For a caller that writes each
     * item where its decoding says (repair).
     */
    private readonly inOrder?: (tag: T, error: ImageError | null) => Promise<void> | null | void,
  ) {
    this.batch = PER_THREAD * threads;
  }

  /**
   * Queues an image (copied unless `owned`: the caller's buffer may be reused;
   * `bytes`, what the item holds, counts against the queue's bytes); waits
   * only when a batch is still decoding, or for a large item, until it is
   * decoded. A null image is decoded by nobody: it only keeps its place in
   * the order inOrder is told in.
   */
  async add(image: Uint8Array | null, tag: T, owned = false, bytes = image?.length ?? 0): Promise<void> {
    if (bytes >= QUEUED_BYTES) {
      await this.finish();
      this.send([{ image, tag }]);
      await this.inFlight;
      return;
    }
    this.queue.push({ image: owned || !image ? image : new Uint8Array(image), tag });
    this.queued += bytes;
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
  private send(items: Queued<T>[]): void {
    if (items.length === 0) return;
    const errors: (ImageError | null)[] = items.map(() => null);
    const images = items.flatMap((x, i) => (x.image ? [{ image: x.image, i }] : []));
    const size = Math.max(1, Math.ceil(images.length / this.threads));
    const groups: Promise<void>[] = [];
    for (let g = 0; g < images.length; g += size) {
      const group = images.slice(g, g + size);
      const out = new Uint8Array(group.length * SIDE * SIDE * 3);
      const jobs = group.map((x, i) => ({ input: x.image, out, offset: i * SIDE * SIDE * 3, options: { width: SIDE, height: SIDE } }));
      groups.push(
        decodeIntoMany(jobs).then((results) =>
          results.forEach((err, i) => {
            if (!err) return;
            errors[group[i]!.i] = err;
            this.onBad(items[group[i]!.i]!.tag, err);
          }),
        ),
      );
    }
    const decoded = Promise.all(groups);
    const inOrder = this.inOrder;
    this.inFlight = inOrder
      ? decoded.then(async () => {
          for (const [i, x] of items.entries()) {
            const pending = inOrder(x.tag, errors[i]!);
            if (pending) await pending;
          }
        })
      : decoded.then(() => undefined);
  }
}

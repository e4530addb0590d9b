/**
 * The two hashes of every image. The content hash (SHA-256 of the image
 * bytes, not the record's header, first 128 bits) is taken as the record is
 * read. The perceptual hash needs a decode: copies of the images are queued
 * and sent to the codec in batches that run on libuv's pool, one call per
 * thread, while the reading goes on (one batch decoding, the next filling:
 * the way verify --decode keeps the pool busy). Each image is decoded to a
 * GRID x GRID grayscale square (JPEGs by the addon at the smallest DCT scale
 * that covers it, other formats by sharp) and hashed (perceptual.ts).
 */
import { createHash } from 'node:crypto';
import { decodeIntoMany } from '../../codec/codec.js';
import type { ImageError } from '../../codec/types.js';
import { DECODE_CHECK_QUEUED_BYTES as QUEUED_BYTES } from '../../io/limits.js';
import { GRID, dctHash } from './perceptual.js';
import { type ImageTable, UNDECODED } from './table.js';

/** The first 128 bits of SHA-256 of `image`, into table.content at image number `n`. */
export function hashContent(table: ImageTable, n: number, image: Uint8Array): void {
  const digest = createHash('sha256').update(image).digest();
  for (let w = 0; w < 4; w++) table.content[4 * n + w] = digest.readUInt32BE(4 * w);
}

/** The content hash of image `n` as hex (32 digits), for reports. */
export function contentHex(table: ImageTable, n: number): string {
  let hex = '';
  for (let w = 0; w < 4; w++) hex += table.content[4 * n + w]!.toString(16).padStart(8, '0');
  return hex;
}

/** Images per codec call. */
const PER_CALL = 64;

interface Queued {
  image: Uint8Array;
  n: number;
}

export class PerceptualHasher {
  private queue: Queued[] = [];
  private queued = 0;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly table: ImageTable,
    private readonly threads: number,
    /** Told of an image that does not decode (it keeps no perceptual hash). */
    private readonly onUndecodable: (n: number, error: ImageError) => void,
  ) {}

  /**
   * Queues image `n` (its bytes copied: the caller's buffer may be reused);
   * waits while a batch decodes and the queue is full, and for an image of
   * QUEUED_BYTES or more, until it is hashed.
   */
  async add(image: Uint8Array, n: number): Promise<void> {
    if (image.length >= QUEUED_BYTES) {
      // A huge image is not copied (a 512 MiB record held twice): decoded alone from the caller's memory, waited for.
      await this.finish();
      await this.send([{ image, n }]);
      return;
    }
    this.queue.push({ image: Uint8Array.from(image), n });
    this.queued += image.length;
    if (this.queue.length >= PER_CALL * this.threads || this.queued >= QUEUED_BYTES) await this.dispatch();
  }

  /** Hashes what is queued and waits for every batch. */
  async finish(): Promise<void> {
    await this.dispatch();
    await this.inFlight;
  }

  private async dispatch(): Promise<void> {
    await this.inFlight;
    const items = this.queue;
    this.queue = [];
    this.queued = 0;
    if (items.length > 0) this.inFlight = this.send(items);
  }

  /** One batch, split over the threads; each call's pixels are hashed when it returns. */
  private async send(items: Queued[]): Promise<void> {
    const size = Math.max(1, Math.ceil(items.length / this.threads));
    const calls: Promise<void>[] = [];
    for (let g = 0; g < items.length; g += size) {
      const group = items.slice(g, g + size);
      const pixels = new Uint8Array(group.length * GRID * GRID);
      const jobs = group.map((x, i) => ({ input: x.image, out: pixels, offset: i * GRID * GRID, options: { width: GRID, height: GRID, channels: 1 as const, filter: 'area' as const } }));
      calls.push(
        decodeIntoMany(jobs).then((errors) =>
          errors.forEach((error, i) => {
            const n = group[i]!.n;
            if (error) {
              this.table.flags[n]! |= UNDECODED;
              this.onUndecodable(n, error);
            } else dctHash(pixels, i * GRID * GRID, this.table.perceptual, 2 * n);
          }),
        ),
      );
    }
    await Promise.all(calls);
  }
}

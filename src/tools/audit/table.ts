/**
 * What the audit keeps of each image while it reads: where it is and its two
 * hashes, in typed arrays that grow by doubling, so memory is a fixed number
 * of bytes per image and no object per image (BYTES_PER_IMAGE; 5.8 M images
 * of MS1M hold 191 MB here, 277 MB with the room to grow, plus the
 * grouping's 13 bytes each: grouping.ts).
 * Images are numbered in reading order, file after file, so a file's images
 * are one range of numbers and no file number is stored per image.
 */

/** Bytes per image: offset 8, content hash 16, perceptual hash 8, flags 1 (doubling: up to twice that while growing). */
export const BYTES_PER_IMAGE = 33;

/** The image was not decoded (it has no perceptual hash and takes no part in near-duplicates). */
export const UNDECODED = 1;

export class ImageTable {
  /** Images so far. */
  count = 0;
  /** Byte offset of each image's record in its file. */
  offsets = new Float64Array(1024);
  /** The first 128 bits of each image's SHA-256, four words. */
  content = new Uint32Array(4 * 1024);
  /** Each image's perceptual hash, two words (perceptual.ts). */
  perceptual = new Uint32Array(2 * 1024);
  flags = new Uint8Array(1024);
  /** Image number where each file's images start (and one past the last file's). */
  readonly fileStarts: number[] = [0];

  /** Adds an image; its number. */
  add(offset: number): number {
    if (this.count === this.offsets.length) this.grow();
    this.offsets[this.count] = offset;
    return this.count++;
  }

  /** The current file is done: the next image is the next file's. */
  endFile(): void {
    this.fileStarts.push(this.count);
  }

  /** The input an image belongs to. */
  fileOf(image: number): number {
    let lo = 0;
    let hi = this.fileStarts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.fileStarts[mid]! <= image) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private grow(): void {
    const n = this.offsets.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, per: number): T => {
      const next = new (old.constructor as new (n: number) => T)(n * per);
      next.set(old);
      return next;
    };
    this.offsets = grown(this.offsets, 1);
    this.content = grown(this.content, 4);
    this.perceptual = grown(this.perceptual, 2);
    this.flags = grown(this.flags, 1);
  }
}

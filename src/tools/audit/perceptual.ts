/**
 * The perceptual hash: 64 bits that stay (nearly) the same when an image is
 * re-encoded at another quality or resized, and differ in about half their
 * bits between unrelated images. It is the DCT hash ("pHash") as Zauner's
 * thesis and the imagehash library describe it: the image as a small
 * grayscale square, its 2-D DCT, the 8x8 lowest frequencies, each bit set
 * when its coefficient is above their median. Low frequencies are what
 * JPEG's quantisation and a resize leave alone; the median makes the hash
 * blind to brightness and contrast.
 *
 * The square is GRID x GRID pixels (imagehash resizes to 32; 16 keeps the
 * decode at 1/8 for every photo of 128 px or more, and the low frequencies
 * are the same). The codec decodes a JPEG at the smallest DCT scale that
 * still covers the square (1/8: the decoder reads the entropy-coded data and
 * keeps one value per 8x8 block, almost free; 1/4 for 112 px face crops) and
 * averages the rest down. Measured on the test set, a re-encode or resize
 * moves 0-8 bits of 64 (most 0-2).
 */

/** Edge of the grayscale square the hash is computed from. */
export const GRID = 16;
/** Edge of the block of low frequencies kept: 8 x 8 = 64 bits. */
const LOW = 8;

/** cos((2n + 1) k pi / 2N) for the LOW lowest frequencies k over the GRID samples n. */
const COS = (() => {
  const table = new Float64Array(LOW * GRID);
  for (let k = 0; k < LOW; k++) for (let n = 0; n < GRID; n++) table[k * GRID + n] = Math.cos(((2 * n + 1) * k * Math.PI) / (2 * GRID));
  return table;
})();

const rows = new Float64Array(LOW * GRID);
const coefficients = new Float64Array(LOW * LOW);
const sorted = new Float64Array(LOW * LOW);

/**
 * The hash of the GRID x GRID grayscale pixels at `pixels[offset..]`, as two
 * 32-bit words (bits 0..31 in `low`, 32..63 in `high`), written to out[at], out[at + 1].
 * Bit k*8+l is frequency (k down, l across). Scale factors of the DCT are left
 * out: they are the same for every image and a median ignores them.
 */
export function dctHash(pixels: Uint8Array, offset: number, out: Uint32Array, at: number): void {
  // Columns first: rows[k][x] = sum over y of cos(k, y) * p[y][x].
  rows.fill(0);
  for (let y = 0; y < GRID; y++) {
    const line = offset + y * GRID;
    for (let k = 0; k < LOW; k++) {
      const c = COS[k * GRID + y]!;
      const r = k * GRID;
      for (let x = 0; x < GRID; x++) rows[r + x]! += c * pixels[line + x]!;
    }
  }
  for (let k = 0; k < LOW; k++) {
    for (let l = 0; l < LOW; l++) {
      let sum = 0;
      for (let x = 0; x < GRID; x++) sum += rows[k * GRID + x]! * COS[l * GRID + x]!;
      coefficients[k * LOW + l] = sum;
    }
  }
  sorted.set(coefficients);
  sorted.sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let low = 0;
  let high = 0;
  for (let b = 0; b < 32; b++) if (coefficients[b]! > median) low |= 1 << b;
  for (let b = 0; b < 32; b++) if (coefficients[32 + b]! > median) high |= 1 << b;
  out[at] = low >>> 0;
  out[at + 1] = high >>> 0;
}

/** Set bits of a 32-bit word. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Bits in which hashes i and j of `hashes` (two words each) differ. */
export function hammingAt(hashes: Uint32Array, i: number, j: number): number {
  return popcount32(hashes[2 * i]! ^ hashes[2 * j]!) + popcount32(hashes[2 * i + 1]! ^ hashes[2 * j + 1]!);
}

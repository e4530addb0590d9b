import sharp from 'sharp';
import { rng } from './random.js';

/**
 * Distinct, realistic-looking square images (face-crop sized): a smooth
 * gradient between four random corner colours, 3 to 7 random ellipses, noise,
 * a little blur; JPEG at a quality of 85..95. Each seed draws its own layout,
 * so two seeds are as unlike as two unrelated photos (the audit's tests rely
 * on it: no near-duplicates among them).
 */
export async function distinctJpeg(seed: number, side = 112): Promise<Buffer> {
  const next = rng(seed * 7919 + 13);
  const pixels = Buffer.alloc(side * side * 3);
  const corners = Array.from({ length: 4 }, () => [next() * 255, next() * 255, next() * 255]);
  const shapes = Array.from({ length: 3 + Math.floor(next() * 5) }, () => ({
    x: next() * side,
    y: next() * side,
    rx: (0.08 + next() * 0.3) * side,
    ry: (0.08 + next() * 0.3) * side,
    colour: [next() * 255, next() * 255, next() * 255],
  }));
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const u = x / side;
      const v = y / side;
      const at = (y * side + x) * 3;
      for (let c = 0; c < 3; c++) {
        let value = (1 - u) * (1 - v) * corners[0]![c]! + u * (1 - v) * corners[1]![c]! + (1 - u) * v * corners[2]![c]! + u * v * corners[3]![c]!;
        for (const s of shapes) if (((x - s.x) / s.rx) ** 2 + ((y - s.y) / s.ry) ** 2 < 1) value = s.colour[c]!;
        pixels[at + c] = Math.max(0, Math.min(255, value + (next() - 0.5) * 30));
      }
    }
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .blur(0.8)
    .jpeg({ quality: 85 + Math.floor(next() * 11) })
    .toBuffer();
}

/** The same picture re-encoded at another JPEG quality (a near-duplicate). */
export function reencoded(jpeg: Buffer, quality: number): Promise<Buffer> {
  return sharp(jpeg).jpeg({ quality }).toBuffer();
}

/** The same picture resized to side x side (a near-duplicate). */
export function resized(jpeg: Buffer, side: number): Promise<Buffer> {
  return sharp(jpeg).resize(side, side).jpeg({ quality: 90 }).toBuffer();
}

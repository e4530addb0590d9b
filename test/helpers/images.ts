import sharp from 'sharp';

/**
 * A deterministic photo-like RGB image: smooth gradients, a few hard edges and
 * mild noise, so that resampling and chroma handling both show up in diffs.
 */
export function syntheticRgb(width: number, height: number, seed = 1): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const noise = (s >>> 28) - 8;
      const edge = (x > width / 3 && y < (2 * height) / 3) || Math.hypot(x - width * 0.7, y - height * 0.6) < height / 5;
      const i = (y * width + x) * 3;
      px[i] = clamp((x / width) * 200 + (edge ? 40 : 0) + noise);
      px[i + 1] = clamp((y / height) * 180 + 30 * Math.sin(x / 9) + noise);
      px[i + 2] = clamp(edge ? 220 - (x / width) * 100 : 60 + noise);
    }
  }
  return px;
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

export interface JpegOptions {
  quality?: number;
  chroma?: '4:2:0' | '4:4:4';
  progressive?: boolean;
  gray?: boolean;
  cmyk?: boolean;
}

export async function makeJpeg(width: number, height: number, o: JpegOptions = {}, seed = 1): Promise<Buffer> {
  let img = sharp(syntheticRgb(width, height, seed), { raw: { width, height, channels: 3 } });
  if (o.gray) img = img.toColourspace('b-w');
  if (o.cmyk) img = img.toColourspace('cmyk');
  return img
    .jpeg({ quality: o.quality ?? 90, chromaSubsampling: o.chroma ?? '4:2:0', progressive: o.progressive ?? false })
    .toBuffer();
}

export async function makePng(width: number, height: number, seed = 1): Promise<Buffer> {
  return sharp(syntheticRgb(width, height, seed), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Decodes any image to interleaved RGB (or gray) bytes with sharp, for comparisons. */
export async function pixels(bytes: Buffer, gray = false): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  let img = sharp(bytes).removeAlpha();
  img = gray ? img.grayscale() : img.toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Mean absolute difference and PSNR between two equal-length pixel arrays. */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>): { mad: number; psnr: number; max: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let sum = 0;
  let sq = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    sq += d * d;
    if (d > max) max = d;
  }
  const mse = sq / a.length;
  return { mad: sum / a.length, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), max };
}

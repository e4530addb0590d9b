/**
 * Image folders for the im2rec tests and the benchmarks, laid out as ImageNet
 * is (OUT/class_000/img_000000.jpg|png), with broken files in OUT/broken/ on
 * request (a truncated JPEG, an empty file, text named .jpg, a JPEG with a
 * damaged middle: bad_0000.jpg, bad_0001.jpg... in that order, repeating).
 *
 * Two sources of pictures, one layout:
 * - 'synthetic' (the tests): drawn here from a seed, nothing fetched, so the
 *   suite runs on any machine. Smooth gradients, shapes and noise, blurred a
 *   little, so that JPEG and PNG sizes are like a photo's, not a flat fill's.
 * - 'photos' (the benchmarks): crops of real photographs from Debian's
 *   wallpaper packages, downloaded once with `apt-get download` into the
 *   repository's .cache/corpus-photos; an ImageNet-like shorter side of
 *   240..maxSide px.
 * Every 50th image is grayscale, and `pngFraction` of them are PNG.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { rng } from './random.js';
import { tempDir } from './tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CorpusOptions {
  count: number;
  /** Broken files to add in broken/. Default 0. */
  broken?: number;
  /** Share of PNG images. Default 0.05. */
  pngFraction?: number;
  classes?: number;
  /** Longest shorter side, in pixels (from 240). Default 500. */
  maxSide?: number;
  seed?: number;
  source?: 'synthetic' | 'photos';
}

/** A corpus in a new temporary folder (the tests'). */
export async function makeCorpus(options: CorpusOptions): Promise<string> {
  const dir = path.join(tempDir('mxrec-corpus-'), 'images');
  await writeCorpus(dir, { classes: 4, maxSide: 400, ...options });
  return dir;
}

/** Writes a corpus into `out` and says what it wrote. */
export async function writeCorpus(out: string, options: CorpusOptions): Promise<string> {
  const { count, broken = 0, pngFraction = 0.05, classes = 10, maxSide = 500 } = options;
  const next = rng(options.seed ?? 1);
  const pictures = options.source === 'photos' ? photoCrops(next, maxSide) : synthetic(next, maxSide);
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  let bytes = 0;
  for (let k = 0; k < count; k++) {
    const isPng = next() < pngFraction;
    let image = await pictures();
    if (k % 50 === 49) image = image.grayscale();
    const data = await (isPng ? image.png({ compressionLevel: 6 }) : image.jpeg({ quality: Math.round(75 + next() * 20) })).toBuffer();
    const dir = path.join(out, `class_${pad(k % classes, 3)}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `img_${pad(k, 6)}.${isPng ? 'png' : 'jpg'}`), data);
    bytes += data.length;
  }
  if (broken > 0) {
    const dir = path.join(out, 'broken');
    fs.mkdirSync(dir, { recursive: true });
    const good = await (await synthetic(rng(7), 320)()).resize(320).jpeg().toBuffer();
    for (let b = 0; b < broken; b++) {
      const file = path.join(dir, `bad_${pad(b, 4)}.jpg`);
      const kind = b % 4;
      if (kind === 0) fs.writeFileSync(file, good.subarray(0, Math.floor(good.length / 3)));
      else if (kind === 1) fs.writeFileSync(file, Buffer.alloc(0));
      else if (kind === 2) fs.writeFileSync(file, 'this is not an image\n');
      else fs.writeFileSync(file, Buffer.from(good).fill(0x5a, 200, 2000));
    }
  }
  return `${count} images (${(bytes / 1e6).toFixed(1)} MB) in ${classes} classes` + (broken ? `, and ${broken} broken files in broken/` : '');
}

/** An ImageNet-like size: shorter side 240..maxSide, aspect 3:4..4:3. */
function pickSize(next: () => number, maxSide: number): { width: number; height: number } {
  const shorter = Math.round(240 + next() * (maxSide - 240));
  const longer = Math.round(shorter * (1 + next() / 3));
  return next() < 0.5 ? { width: longer, height: shorter } : { width: shorter, height: longer };
}

function synthetic(next: () => number, maxSide: number): () => Promise<Sharp> {
  return async () => {
    const { width, height } = pickSize(next, maxSide);
    const pixels = Buffer.alloc(width * height * 3);
    const corners = Array.from({ length: 4 }, () => [next() * 255, next() * 255, next() * 255]);
    const shapes = Array.from({ length: 3 + Math.floor(next() * 5) }, () => ({
      x: next() * width,
      y: next() * height,
      rx: (0.05 + next() * 0.3) * width,
      ry: (0.05 + next() * 0.3) * height,
      colour: [next() * 255, next() * 255, next() * 255],
    }));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = x / width;
        const v = y / height;
        const at = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          let value = (1 - u) * (1 - v) * corners[0]![c]! + u * (1 - v) * corners[1]![c]! + (1 - u) * v * corners[2]![c]! + u * v * corners[3]![c]!;
          for (const s of shapes) {
            if (((x - s.x) / s.rx) ** 2 + ((y - s.y) / s.ry) ** 2 < 1) value = s.colour[c]!;
          }
          pixels[at + c] = Math.max(0, Math.min(255, value + (next() - 0.5) * 40));
        }
      }
    }
    return sharp(pixels, { raw: { width, height, channels: 3 } }).blur(0.8);
  };
}

/** Debian packages whose wallpapers are real photographs. */
const PHOTO_PACKAGES = ['mate-backgrounds', 'ukui-wallpapers', 'plasma-workspace-wallpapers'];

function photoCrops(next: () => number, maxSide: number): () => Promise<Sharp> {
  const photos = debianPhotos();
  const decoded = new Map<number, { data: Buffer; info: OutputInfo }>();
  return async () => {
    const i = Math.floor(next() * photos.length);
    if (!decoded.has(i)) {
      const { data, info } = await sharp(photos[i]).resize({ width: 1600, height: 1600, fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      decoded.set(i, { data, info });
    }
    const { data, info } = decoded.get(i)!;
    // A random crop of 8..100% of the photo, resized to an ImageNet-like size (as RandomResizedCrop).
    const { width, height } = pickSize(next, maxSide);
    const area = 0.08 + next() * 0.92;
    const cw = Math.max(32, Math.min(info.width, Math.round(Math.sqrt(area * info.width * info.height * (width / height)))));
    const ch = Math.max(32, Math.min(info.height, Math.round((cw * height) / width)));
    const left = Math.floor(next() * (info.width - cw + 1));
    const top = Math.floor(next() * (info.height - ch + 1));
    return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .extract({ left, top, width: cw, height: ch })
      .resize(width, height);
  };
}

/** The wallpaper photos (largest copy of each), fetched into .cache/corpus-photos the first time. */
export function debianPhotos(): string[] {
  const cache = path.join(root, '.cache', 'corpus-photos');
  const unpacked = path.join(cache, 'files');
  if (!fs.existsSync(path.join(cache, 'done'))) {
    fs.mkdirSync(unpacked, { recursive: true });
    try {
      try {
        execFileSync('apt-get', ['download', ...PHOTO_PACKAGES], { cwd: cache, stdio: 'inherit' });
      } catch {
        execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' }); // a fresh machine may have no package lists
        execFileSync('apt-get', ['download', ...PHOTO_PACKAGES], { cwd: cache, stdio: 'inherit' });
      }
      for (const deb of fs.readdirSync(cache).filter((f) => f.endsWith('.deb'))) {
        execFileSync('dpkg', ['-x', path.join(cache, deb), unpacked]);
        fs.rmSync(path.join(cache, deb));
      }
    } catch (err) {
      throw new Error(
        `the benchmark's photos come from Debian's wallpaper packages (${PHOTO_PACKAGES.join(', ')}), fetched with ` +
          `apt-get download into ${path.relative(root, cache)}; that failed here (${(err as Error).message.split('\n')[0]}). ` +
          'On a machine without apt, point BENCH_CORPUS at a folder of class folders of JPEG photos instead.',
      );
    }
    fs.writeFileSync(path.join(cache, 'done'), '');
  }
  const largest = new Map<string, { file: string; size: number }>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && /\.jpe?g$/i.test(entry.name)) {
        // The same photo ships at several resolutions, one folder each: keep the largest per folder.
        const size = fs.statSync(p).size;
        const best = largest.get(dir);
        if (size > 150_000 && (!best || size > best.size)) largest.set(dir, { file: p, size });
      }
    }
  };
  walk(unpacked);
  const photos = [...largest.values()].map((l) => l.file).sort();
  if (photos.length === 0) throw new Error(`no photos found in ${path.relative(root, unpacked)}: remove ${path.relative(root, cache)} to fetch them again`);
  return photos;
}

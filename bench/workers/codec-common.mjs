// Shared by the Node codec workers: the work list, the crop RNG and the timing
// loop, so mxrec and sharp run exactly the same jobs. codec_opencv.py mirrors it.
import fs from 'node:fs';
import { shorterEdgeSize } from '../../dist/index.js';

export const MEAN = [123.68, 116.28, 103.53];
export const STD = [58.395, 57.12, 57.375];

/** argv: mode listFile trials -> the images in memory, with their sizes from the list. */
export function loadWork() {
  const [mode, listFile, trials] = process.argv.slice(2);
  const items = fs
    .readFileSync(listFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [file, w, h] = line.split('\t');
      return { bytes: fs.readFileSync(file), width: Number(w), height: Number(h) };
    });
  return { mode, items, trials: Number(trials) };
}

/** The same pseudo-random crops as codec_opencv.py (LCG, seeded per image index). */
export function cropFor(i, width, height) {
  let s = (i * 2654435761 + 12345) >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const short = Math.min(width, height);
  const side = Math.max(1, Math.floor(short * (0.5 + 0.5 * next())));
  const x = Math.floor(next() * (width - side + 1));
  const y = Math.floor(next() * (height - side + 1));
  const mirror = next() < 0.5;
  return { x, y, width: side, height: side, mirror };
}

/** im2rec's `--resize 256`: the package's own rule, so mxrec and sharp make the same sizes. */
export const resized = (width, height) => shorterEdgeSize(width, height, 256);

/** Runs `pass` `trials` times; prints the median rate and the process's peak RSS. */
export async function report(items, trials, pass) {
  const rates = [];
  for (let t = 0; t < trials; t++) {
    const start = process.hrtime.bigint();
    await pass();
    rates.push(items.length / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  rates.sort((a, b) => a - b);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ imagesPerSec: rates[Math.floor(rates.length / 2)], peakRssMiB: rssMiB })}\n`);
}

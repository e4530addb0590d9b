/**
 * A valid progressive JPEG of 2,081 scans (the kind that makes a decoder do
 * thousands of passes over one image): every coefficient band of every
 * component in its own scan, refined bit by bit. Debian's cjpeg (package
 * libjpeg-turbo-progs, which .ci/run installs) writes scan scripts of at most
 * 100 scans, so the image is encoded with 24 scripts, each the DC scan and 8
 * whole bands, and their band scans (each with the Huffman tables written
 * before it) are spliced after the first file's: `djpeg -strict` decodes the
 * result. Without cjpeg the tests skip locally and fail under CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp.js';

export function skipWithoutCjpeg(): { skip?: string } {
  if (spawnSync('cjpeg', ['-version']).status === 0) return {};
  const reason = 'cjpeg is not installed (.ci/run installs it: apt-get install -y libjpeg-turbo-progs)';
  if (process.env.CI) throw new Error(`CI must run the scan-limit tests: ${reason}`);
  return { skip: reason };
}

/** Marker segments and scans of a JPEG: [start, end) and the marker byte. */
function segments(b: Buffer): { marker: number; start: number; end: number }[] {
  const out: { marker: number; start: number; end: number }[] = [];
  for (let i = 2; i < b.length; ) {
    const marker = b[i + 1]!;
    if (marker === 0xd9) break;
    let end = i + 2 + b.readUInt16BE(i + 2);
    // A scan's entropy-coded data runs to the next marker that is neither stuffing (FF 00) nor a restart.
    if (marker === 0xda) while (!(b[end] === 0xff && b[end + 1] !== 0 && !(b[end + 1]! >= 0xd0 && b[end + 1]! <= 0xd7))) end++;
    out.push({ marker, start: i, end });
    i = end;
  }
  return out;
}

/** Writes the many-scan JPEG of a `side`x`side` noisy image and returns its bytes. */
export function manyScanJpeg(side = 256): Buffer {
  const dir = tempDir('mxrec-scans-');
  const ppm = path.join(dir, 'in.ppm');
  const px = Buffer.alloc(side * side * 3);
  let s = 1;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    px[i] = (((i / 3) | 0) % side) / 2 + (s >>> 28);
  }
  fs.writeFileSync(ppm, Buffer.concat([Buffer.from(`P6\n${side} ${side}\n255\n`), px]));
  const band = (c: number, k: number) => [`${c}: ${k}-${k}, 0, 10;`, ...Array.from({ length: 10 }, (_, j) => `${c}: ${k}-${k}, ${10 - j}, ${9 - j};`)];
  const bands = [0, 1, 2].flatMap((c) => Array.from({ length: 63 }, (_, k) => band(c, k + 1)));
  const pieces: Buffer[] = [];
  for (let first = 0; first < bands.length; first += 8) {
    const dc = first === 0 ? ['0,1,2: 0-0, 0, 1;', '0,1,2: 0-0, 1, 0;'] : ['0,1,2: 0-0, 0, 1;'];
    const script = path.join(dir, 'scans.txt');
    fs.writeFileSync(script, [...dc, ...bands.slice(first, first + 8).flat()].join('\n') + '\n');
    const jpeg = execFileSync('cjpeg', ['-scans', script, '-quality', '90', ppm]);
    const segs = segments(jpeg);
    const end = segs.at(-1)!.end;
    // The first file whole but for EOI; of the others, what follows their DC scan.
    const from = first === 0 ? 0 : segs[segs.findIndex((x) => x.marker === 0xda) + 1]!.start;
    pieces.push(jpeg.subarray(from, end));
  }
  return Buffer.concat([...pieces, Buffer.from([0xff, 0xd9])]);
}

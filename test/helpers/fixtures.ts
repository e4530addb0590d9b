import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures: real .rec files made by MXNet's tools, and one of ours (see SOURCES.md there). */
export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function fixture(rel: string): string {
  const p = path.join(fixturesDir, rel);
  if (!fs.existsSync(p)) throw new Error(`missing fixture ${p} (test/fixtures/SOURCES.md lists them)`);
  return p;
}

/** Width, height and component count from a JPEG's SOF marker (enough to check fixtures without a decoder). */
export function jpegSize(bytes: Buffer): { width: number; height: number; channels: number } {
  const { width, height, channels } = jpegFrame(bytes);
  return { width, height, channels };
}

/** jpegSize, and whether the frame is progressive (SOF2, SOF6, SOF10, SOF14). */
export function jpegFrame(bytes: Buffer): { width: number; height: number; channels: number; progressive: boolean } {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  let pos = 2;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw new Error(`bad JPEG marker at ${pos}`);
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    const len = bytes.readUInt16BE(pos + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(pos + 5), width: bytes.readUInt16BE(pos + 7), channels: bytes[pos + 9]!, progressive: (marker & 3) === 2 };
    }
    pos += 2 + len;
  }
  throw new Error('no SOF marker');
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** A fresh temporary directory, removed when the test file finishes. */
export function tempDir(prefix = 'mxrec-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * How many of this process's descriptors are open on `file`. Counting only the file's own keeps the
 * check true while other tests' streams and libuv open and close descriptors of their own.
 */
export function openDescriptorsOn(file: string): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed between the listing and the look: not open on the file
    }
  }
  return n;
}

/** Small questions about paths that several features ask. */
import fs from 'node:fs';

/** Whether `p` exists and is a folder (following symlinks); false for anything unreadable. */
export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

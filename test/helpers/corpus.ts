/**
 * Real photos for the im2rec tests: ../shared/bench/make-corpus.mjs (ImageNet-like
 * JPEGs, some PNG, and broken files in broken/), made once per test file in a
 * temporary folder.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function makeCorpus(options: { count: number; broken?: number; pngFraction?: number }): string {
  const dir = path.join(tempDir('mxrec-corpus-'), 'images');
  const args = ['../shared/bench/make-corpus.mjs', '--out', dir, '--count', String(options.count), '--classes', '4', '--max-side', '400'];
  if (options.broken) args.push('--broken', String(options.broken));
  if (options.pngFraction !== undefined) args.push('--png-fraction', String(options.pngFraction));
  // make-corpus needs sharp resolvable from the working directory: the repository's.
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-corpus failed: ${r.stderr}`);
  return dir;
}

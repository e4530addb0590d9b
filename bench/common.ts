/** What the process-level benchmarks (im2rec, iter) share: timing a pinned process, medians, the corpus. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCorpus } from '../test/helpers/corpus.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
export const PYTHON = '/usr/bin/python3'; // Debian's, where python3-opencv and python3-torch are

export interface Run {
  seconds: number;
  peakRssMiB: number;
  stdout: string;
}

/** Runs a command under measure.py (wall time, peak RSS), pinned to `cores` CPUs. */
export function measure(cores: number, cmd: string[], env: Record<string, string> = {}): Run {
  const cpus = Array.from({ length: cores }, (_, i) => i).join(',');
  const r = spawnSync(PYTHON, [path.join(here, 'workers/measure.py'), 'taskset', '-c', cpus, ...cmd], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * A folder of `images` real photos (crops of Debian's wallpapers: see test/helpers/corpus.ts), made
 * once into `dir` and kept there for the next runs.
 */
export async function corpusDir(images: number, dir = process.env.BENCH_IM2REC_CORPUS ?? path.join(here, 'out', 'im2rec', `corpus-${images}`)): Promise<string> {
  if (!fs.existsSync(dir)) {
    const partial = `${dir}.partial`; // renamed when complete, so an interrupted run starts over
    fs.rmSync(partial, { recursive: true, force: true });
    const wrote = await writeCorpus(partial, { count: images, source: 'photos' });
    fs.renameSync(partial, dir);
    console.log(`bench: wrote ${wrote} to ${path.relative(root, dir)}`);
  }
  return dir;
}

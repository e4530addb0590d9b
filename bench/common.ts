/** What the process-level benchmarks (im2rec, iter) share: timing a pinned process, medians, the corpus. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { RecordWriter, packImageRecord } from '../dist/index.js';
import { writeCorpus } from '../test/helpers/corpus.js';
import { randomBytes, rng } from '../test/helpers/random.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');
export const PYTHON = '/usr/bin/python3'; // Debian's, where python3-opencv and python3-torch are

export interface Run {
  seconds: number;
  peakRssMiB: number;
  stdout: string;
}

/**
 * The environment of every timed process, mxrec's and the baselines' alike. glibc's malloc hands
 * large freed blocks back to the kernel and maps fresh ones for the next image; on these virtual
 * machines each page fault that follows costs microseconds, and a Python loader that decodes into
 * new arrays spends most of its time there (OpenCV's "train" baseline made 165 images/s, 373,000
 * page faults for 755 photos; 905 images/s with freed memory kept; decoding 1,700 and 1,850). These
 * settings keep freed memory: every baseline at its best. mxrec's process reuses its buffers and
 * runs the same either way.
 */
export const TIMED_ENV: Record<string, string> = { MALLOC_MMAP_THRESHOLD_: String(256 << 20), MALLOC_TRIM_THRESHOLD_: String(1 << 30) };

/** Runs a command under measure.py (wall time, peak RSS), pinned to `cores` CPUs. */
export function measure(cores: number, cmd: string[], env: Record<string, string> = {}): Run {
  const cpus = Array.from({ length: cores }, (_, i) => i).join(',');
  const r = spawnSync(PYTHON, [path.join(here, 'workers/measure.py'), 'taskset', '-c', cpus, ...cmd], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...TIMED_ENV, ...env },
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

/** A row of the suites that measure a command against `cp` of the same file in the same run (exchange, doctor). */
export interface CpRow {
  dataset: string;
  operation: string;
  mbPerSecond: number;
  cpMbPerSecond: number;
  ratio: number;
  peakRssMiB: number;
}

/** Those rows as a Markdown table. */
export function cpTable(rows: readonly CpRow[]): string[] {
  const f = (n: number) => n.toFixed(0);
  return [
    '| dataset | operation | MB/s | cp MB/s | of cp | peak RSS |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.dataset} | \`${r.operation}\` | ${f(r.mbPerSecond)} | ${f(r.cpMbPerSecond)} | ${(100 * r.ratio).toFixed(0)}% | ${f(r.peakRssMiB)} MiB |`),
  ];
}

/** A .rec + .idx of JPEG-framed payloads of 20-200 KB (their bytes random: nothing decodes them), `bytes` in all. */
export function writeFramedDataset(file: string, bytes: number): void {
  const next = rng(42);
  const w = RecordWriter.create(file, { indexPath: file.replace(/\.rec$/, '.idx') });
  for (let id = 0; w.position < bytes; id++) {
    const body = randomBytes(next, 20_000 + Math.floor(next() * 180_000));
    body.set([0xff, 0xd8, 0xff, 0xe0]);
    w.write(packImageRecord({ label: id % 1000, id }, body), id);
  }
  w.close();
}

/** A new folder for `bytes` of files: under `chosen` if given, else on tmpfs where it has room, else the system's temporary folder. */
export function scratchDir(suite: string, bytes: number, chosen?: string): string {
  if (chosen) return fs.mkdtempSync(path.join(chosen, `mxrec-bench-${suite}-`));
  try {
    const st = fs.statfsSync('/dev/shm');
    if (st.bavail * st.bsize > bytes) return fs.mkdtempSync(`/dev/shm/mxrec-bench-${suite}-`);
  } catch {
    // no tmpfs: the system's temporary folder
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), `mxrec-bench-${suite}-`));
}

/**
 * Seconds (the median, or with `best` the fastest) and peak RSS of `trials`
 * runs of `cmd` on `cores` cores, each after `reset` (removing the last run's
 * outputs). `best` is for runs of a fraction of a second that copy a file on
 * tmpfs, where one run in a few takes several times longer whoever runs
 * (cp and dd too: the virtual machine's memory, not the tools).
 */
export function timedRuns(cores: number, trials: number, cmd: () => string[], reset: () => void, pick: 'median' | 'best' = 'median'): { seconds: number; peakRssMiB: number } {
  const runs = [];
  for (let t = 0; t < trials; t++) {
    reset();
    runs.push(measure(cores, cmd()));
  }
  const seconds = runs.map((r) => r.seconds);
  return { seconds: pick === 'best' ? Math.min(...seconds) : median(seconds), peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)) };
}

/**
 * The dataset doctor's benchmark: `rec repair` of a sound file against `cp`
 * of the same bytes in the same run. A repair of a sound file is a copy with
 * framing checked (and every payload searched for a swallowed record start),
 * so cp's MB/s is its ceiling; the goal is at least 50% of it. Both sides get
 * the machine's two cores (cp uses one). Files live on tmpfs (/dev/shm) where
 * it has room, as in the exchange suite, so that fsync (mxrec syncs its
 * outputs, cp does not) measures the disk, not the tools; BENCH_DOCTOR_DIR
 * names another folder (a disk, say) to measure there instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordWriter, packImageRecord } from '../dist/index.js';
import { randomBytes, rng } from '../test/helpers/random.js';
import { measure, median, root } from './common.js';

const MB = 1e6;
const TRIALS = 3;
const CORES = Math.min(2, os.availableParallelism());
const REC = path.join(root, 'bin', 'rec.cjs');

interface Row {
  dataset: string;
  operation: string;
  mbPerSecond: number;
  cpMbPerSecond: number;
  ratio: number;
  peakRssMiB: number;
}

/** A .rec + .idx of JPEG-framed payloads of 20-200 KB (random bytes: nothing decodes them), `bytes` in all. */
function writeDataset(file: string, bytes: number): void {
  const next = rng(42);
  const w = RecordWriter.create(file, { indexPath: file.replace(/\.rec$/, '.idx') });
  for (let id = 0; w.position < bytes; id++) {
    const body = randomBytes(next, 20_000 + Math.floor(next() * 180_000));
    body.set([0xff, 0xd8, 0xff, 0xe0]);
    w.write(packImageRecord({ label: id % 1000, id }, body), id);
  }
  w.close();
}

/** Where the files go: BENCH_DOCTOR_DIR, else tmpfs where it has room, else the system's temporary folder. */
function scratch(bytes: number): string {
  const chosen = process.env.BENCH_DOCTOR_DIR;
  if (chosen) return fs.mkdtempSync(path.join(chosen, 'mxrec-bench-doctor-'));
  try {
    const st = fs.statfsSync('/dev/shm');
    if (st.bavail * st.bsize > bytes) return fs.mkdtempSync('/dev/shm/mxrec-bench-doctor-');
  } catch {
    // no tmpfs
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mxrec-bench-doctor-'));
}

/** Median seconds and peak RSS of TRIALS runs of `cmd`, each after `reset` (removing the last run's outputs). */
function timed(cmd: string[], reset: () => void): { seconds: number; peakRssMiB: number } {
  const runs = [];
  for (let t = 0; t < TRIALS; t++) {
    reset();
    runs.push(measure(CORES, cmd));
  }
  return { seconds: median(runs.map((r) => r.seconds)), peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)) };
}

export async function benchDoctor(_outDir: string): Promise<{ markdown: string; json: unknown }> {
  const rows: Row[] = [];
  let where = '';
  for (const [name, size] of [['100 MB', 100 * MB], ['1 GB', 1000 * MB]] as const) {
    const dir = scratch(3.2 * size);
    where = path.dirname(dir);
    try {
      const rec = path.join(dir, 'data.rec');
      writeDataset(rec, size);
      const bytes = fs.statSync(rec).size;
      const out = path.join(dir, 'out');
      const fresh = () => {
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
      };
      const cp = timed(['cp', rec, path.join(out, 'copy.rec')], fresh);
      const cpRate = bytes / cp.seconds / MB;
      const fixed = path.join(out, 'fixed.rec');
      const repair = timed([process.execPath, REC, 'repair', rec, '-o', fixed, '-q'], fresh);
      if (!fs.readFileSync(fixed).equals(fs.readFileSync(rec))) throw new Error('repair of a sound file is not the file');
      const rate = bytes / repair.seconds / MB;
      rows.push({ dataset: name, operation: 'repair', mbPerSecond: rate, cpMbPerSecond: cpRate, ratio: rate / cpRate, peakRssMiB: repair.peakRssMiB });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const f = (n: number) => n.toFixed(0);
  const markdown = [
    '## The dataset doctor (repair) against cp',
    '',
    `\`rec repair\` of a sound .rec (the CLI, ${TRIALS} runs each, median, Node's start included) against \`cp\` of the same file, both on ${CORES} cores, files in ${where}.`,
    "Payloads of 20-200 KB. Goal: at least 50% of cp's MB/s.",
    '',
    '| dataset | operation | MB/s | cp MB/s | of cp | peak RSS |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.dataset} | \`${r.operation}\` | ${f(r.mbPerSecond)} | ${f(r.cpMbPerSecond)} | ${(100 * r.ratio).toFixed(0)}% | ${f(r.peakRssMiB)} MiB |`),
  ].join('\n');
  return { markdown, json: rows };
}

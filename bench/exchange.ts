/**
 * Export and import benchmark: `rec export` to WebDataset and Parquet and
 * `rec import` back, against `cp` of the same bytes in the same run. Both directions are a
 * copy with framing, so cp's MB/s is the ceiling. Both sides get the
 * machine's two cores (cp uses one; an export hashes its source and its
 * shards on worker threads). Datasets of 100 MB and 2 GB show that peak
 * memory stays flat as the dataset grows. Files live on tmpfs (/dev/shm)
 * where it has room, so that the disk's speed, and fsync (a no-op there;
 * mxrec syncs its outputs, cp does not), measure nothing.
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

/** A .rec + .idx of JPEG-framed payloads of 20-200 KB (their bytes random: nothing decodes them), `bytes` in all. */
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

function scratch(bytes: number): string {
  try {
    const st = fs.statfsSync('/dev/shm');
    if (st.bavail * st.bsize > bytes) return fs.mkdtempSync('/dev/shm/mxrec-bench-exchange-');
  } catch {
    // no tmpfs: the bench's own folder
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mxrec-bench-exchange-'));
}

/** Median seconds and peak RSS of `trials` runs of `run`, each after `reset` (removing the last run's outputs). */
function timed(cmd: () => string[], reset: () => void): { seconds: number; peakRssMiB: number } {
  const runs = [];
  for (let t = 0; t < TRIALS; t++) {
    reset();
    runs.push(measure(CORES, cmd()));
  }
  return { seconds: median(runs.map((r) => r.seconds)), peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)) };
}

export async function benchExchange(_outDir: string): Promise<{ markdown: string; json: unknown }> {
  const rows: Row[] = [];
  for (const [name, size] of [['100 MB', 100 * MB], ['2 GB', 2000 * MB]] as const) {
    const dir = scratch(5 * size);
    try {
      const rec = path.join(dir, 'data.rec');
      writeDataset(rec, size);
      const bytes = fs.statSync(rec).size;
      const out = path.join(dir, 'out');
      const clear = () => fs.rmSync(out, { recursive: true, force: true });
      const fresh = () => {
        clear();
        fs.mkdirSync(out);
      };
      const cp = timed(() => ['cp', rec, path.join(out, 'copy.rec')], fresh);
      const cpRate = bytes / cp.seconds / MB;
      for (const to of ['webdataset', 'parquet'] as const) {
        const prefix = to === 'webdataset' ? path.join(out, 'wds', 'data') : path.join(out, 'hf');
        const manifest = to === 'webdataset' ? `${prefix}.manifest.json` : path.join(prefix, 'mxrec.manifest.json');
        const exp = timed(() => [process.execPath, REC, 'export', rec, '--to', to, '-o', prefix, '-q'], fresh);
        const back = path.join(out, 'back.rec');
        const imp = timed(
          () => [process.execPath, REC, 'import', manifest, '-o', back, '-q'],
          () => {
            fs.rmSync(back, { force: true });
            fs.rmSync(back.replace(/\.rec$/, '.idx'), { force: true });
          },
        );
        if (!fs.readFileSync(back).equals(fs.readFileSync(rec))) throw new Error(`${to}: the import is not the source`);
        for (const [operation, run] of [[`export --to ${to}`, exp], [`import --from ${to}`, imp]] as const) {
          const rate = bytes / run.seconds / MB;
          rows.push({ dataset: name, operation, mbPerSecond: rate, cpMbPerSecond: cpRate, ratio: rate / cpRate, peakRssMiB: run.peakRssMiB });
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const f = (n: number) => n.toFixed(0);
  const markdown = [
    '## Export and import (WebDataset, Parquet) against cp',
    '',
    `\`rec export\` and \`rec import\` (the CLI, ${TRIALS} runs each, median, Node's start included) against \`cp\` of the same .rec, both on ${CORES} cores, files on tmpfs.`,
    'Payloads of 20-200 KB. Goals: WebDataset at least 50% of cp\'s MB/s, Parquet 30%, peak RSS flat from 100 MB to 2 GB.',
    '',
    '| dataset | operation | MB/s | cp MB/s | of cp | peak RSS |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.dataset} | \`${r.operation}\` | ${f(r.mbPerSecond)} | ${f(r.cpMbPerSecond)} | ${(100 * r.ratio).toFixed(0)}% | ${f(r.peakRssMiB)} MiB |`),
  ].join('\n');
  return { markdown, json: rows };
}

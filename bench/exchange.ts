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
import { type CpRow, cpTable, root, scratchDir, timedRuns, writeFramedDataset } from './common.js';

const MB = 1e6;
const TRIALS = 3;
const CORES = Math.min(2, os.availableParallelism());
const REC = path.join(root, 'bin', 'rec.cjs');
const timed = (cmd: () => string[], reset: () => void) => timedRuns(CORES, TRIALS, cmd, reset);

export async function benchExchange(_outDir: string): Promise<{ markdown: string; json: unknown }> {
  const rows: CpRow[] = [];
  for (const [name, size] of [['100 MB', 100 * MB], ['2 GB', 2000 * MB]] as const) {
    const dir = scratchDir('exchange', 5 * size);
    try {
      const rec = path.join(dir, 'data.rec');
      writeFramedDataset(rec, size);
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
  const markdown = [
    '## Export and import (WebDataset, Parquet) against cp',
    '',
    `\`rec export\` and \`rec import\` (the CLI, ${TRIALS} runs each, median, Node's start included) against \`cp\` of the same .rec, both on ${CORES} cores, files on tmpfs.`,
    'Payloads of 20-200 KB. Goals: WebDataset at least 50% of cp\'s MB/s, Parquet 30%, peak RSS flat from 100 MB to 2 GB.',
    '',
    ...cpTable(rows),
  ].join('\n');
  return { markdown, json: rows };
}

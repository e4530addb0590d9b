/**
 * The dataset doctor's benchmark: `rec repair` and `rec flatten` of a sound
 * file against `cp` of the same bytes in the same run. A repair of a sound
 * file is a copy with framing checked (and every payload searched for a
 * swallowed record start), a flatten a copy with each header rewritten, so
 * cp's MB/s is their ceiling; the goal is at least 50% of it. Both sides get
 * the machine's two cores (cp uses one). Files live on tmpfs (/dev/shm) where
 * it has room, as in the exchange suite, so that fsync (mxrec syncs its
 * outputs, cp does not) measures the disk, not the tools; BENCH_DOCTOR_DIR
 * names another folder (a disk, say) to measure there instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CpRow, cpTable, root, scratchDir, timedRuns, writeFramedDataset } from './common.js';
import { benchAudit } from './doctor-audit.js';

const MB = 1e6;
const TRIALS = 3;
const CORES = Math.min(2, os.availableParallelism());
const REC = path.join(root, 'bin', 'rec.cjs');

export async function benchDoctor(_outDir: string): Promise<{ markdown: string; json: unknown }> {
  const rows: CpRow[] = [];
  let where = '';
  for (const [name, size] of [['100 MB', 100 * MB], ['1 GB', 1000 * MB]] as const) {
    const dir = scratchDir('doctor', 3.2 * size, process.env.BENCH_DOCTOR_DIR);
    where = path.dirname(dir);
    try {
      const rec = path.join(dir, 'data.rec');
      writeFramedDataset(rec, size);
      const bytes = fs.statSync(rec).size;
      const out = path.join(dir, 'out');
      const fresh = () => {
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
      };
      const cp = timedRuns(CORES, TRIALS, () => ['cp', rec, path.join(out, 'copy.rec')], fresh);
      const cpRate = bytes / cp.seconds / MB;
      const fixed = path.join(out, 'fixed.rec');
      const repair = timedRuns(CORES, TRIALS, () => [process.execPath, REC, 'repair', rec, '-o', fixed, '-q'], fresh);
      if (!fs.readFileSync(fixed).equals(fs.readFileSync(rec))) throw new Error('repair of a sound file is not the file');
      const rate = bytes / repair.seconds / MB;
      rows.push({ dataset: name, operation: 'repair', mbPerSecond: rate, cpMbPerSecond: cpRate, ratio: rate / cpRate, peakRssMiB: repair.peakRssMiB });
      const flat = path.join(out, 'flat.rec');
      const flatten = timedRuns(CORES, TRIALS, () => [process.execPath, REC, 'flatten', rec, '-o', flat, '-q'], fresh);
      const flatRate = bytes / flatten.seconds / MB;
      rows.push({ dataset: name, operation: 'flatten', mbPerSecond: flatRate, cpMbPerSecond: cpRate, ratio: flatRate / cpRate, peakRssMiB: flatten.peakRssMiB });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const audit = await benchAudit();
  const markdown = [
    '## The dataset doctor (repair, flatten) against cp',
    '',
    `\`rec repair\` and \`rec flatten\` of a sound .rec (the CLI, ${TRIALS} runs each, median, Node's start included) against \`cp\` of the same file, both on ${CORES} cores, files in ${where}.`,
    "Payloads of 20-200 KB. Goal: at least 50% of cp's MB/s.",
    '',
    ...cpTable(rows),
    '',
    ...audit.markdown,
  ].join('\n');
  return { markdown, json: { cp: rows, audit: audit.rows } };
}

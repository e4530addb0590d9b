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
/** Runs of each command; the fastest counts, for every side alike (timedRuns' `best`). */
const TRIALS = 5;
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
      const cp = timedRuns(CORES, TRIALS, () => ['cp', rec, path.join(out, 'copy.rec')], fresh, 'best');
      const cpRate = bytes / cp.seconds / MB;
      // The floor of any tool that reads the bytes it copies (cp copies in the kernel: copy_file_range).
      const dd = timedRuns(CORES, TRIALS, () => ['dd', `if=${rec}`, `of=${path.join(out, 'dd.rec')}`, 'bs=1M', 'status=none'], fresh, 'best');
      rows.push({ dataset: name, operation: 'dd bs=1M (the floor)', mbPerSecond: bytes / dd.seconds / MB, cpMbPerSecond: cpRate, ratio: cp.seconds / dd.seconds, peakRssMiB: dd.peakRssMiB });
      const fixed = path.join(out, 'fixed.rec');
      const repair = timedRuns(CORES, TRIALS, () => [process.execPath, REC, 'repair', rec, '-o', fixed, '-q'], fresh, 'best');
      if (!fs.readFileSync(fixed).equals(fs.readFileSync(rec))) throw new Error('repair of a sound file is not the file');
      const rate = bytes / repair.seconds / MB;
      rows.push({ dataset: name, operation: 'repair', mbPerSecond: rate, cpMbPerSecond: cpRate, ratio: rate / cpRate, peakRssMiB: repair.peakRssMiB });
      const flat = path.join(out, 'flat.rec');
      const flatten = timedRuns(CORES, TRIALS, () => [process.execPath, REC, 'flatten', rec, '-o', flat, '-q'], fresh, 'best');
      const flatRate = bytes / flatten.seconds / MB;
      rows.push({ dataset: name, operation: 'flatten', mbPerSecond: flatRate, cpMbPerSecond: cpRate, ratio: flatRate / cpRate, peakRssMiB: flatten.peakRssMiB });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const nodeStart = timedRuns(CORES, TRIALS, () => [process.execPath, '-e', '0'], () => undefined, 'best').seconds;
  const audit = await benchAudit();
  const markdown = [
    '## The dataset doctor (repair, flatten) against cp',
    '',
    `\`rec repair\` and \`rec flatten\` of a sound .rec (the CLI, the fastest of ${TRIALS} runs each, as for cp and dd, Node's start included) against \`cp\` of the same file, both on ${CORES} cores, files in ${where}.`,
    "Payloads of 20-200 KB. Goal: at least 50% of cp's MB/s.",
    `cp copies in the kernel (copy_file_range) without looking at the bytes; \`dd bs=1M\` (a read and write loop in C) is the floor of any tool that reads them, as repair (framing, swallowed record starts) and flatten (every header) must. Node's own start (\`node -e 0\`): ${nodeStart.toFixed(2)} s of every run.`,
    '',
    ...cpTable(rows),
    '',
    ...audit.markdown,
  ].join('\n');
  return { markdown, json: { cp: rows, audit: audit.rows } };
}

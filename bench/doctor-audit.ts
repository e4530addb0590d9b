/**
 * The audit's rows of the doctor suite: `rec audit` (the CLI, near-duplicates
 * on) over 20,000 generated 112x112 face-sized JPEG crops on two cores, goal
 * 3,000 images/s; and, on real photos (the codec suite's corpus), the audit's
 * decode (a 16x16 grayscale square: libjpeg-turbo at 1/8 scale) against a
 * full decode of the same images, in process, on two pool threads, goal 3x.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordWriter, decodeIntoMany, imageInfo, packImageRecord } from '../dist/index.js';
import { distinctJpeg } from '../test/helpers/faces.js';
import { corpusDir, median, root, scratchDir, timedRuns } from './common.js';

const FACES = Number(process.env.BENCH_AUDIT_FACES ?? 20_000);
const TRIALS = 3;
const CORES = Math.min(2, os.availableParallelism());
const REC = path.join(root, 'bin', 'rec.cjs');

export interface AuditRow {
  what: string;
  value: number;
  unit: string;
  goal: string;
  peakRssMiB: number | null;
}

async function auditFaces(): Promise<AuditRow> {
  const dir = scratchDir('audit', 200e6, process.env.BENCH_DOCTOR_DIR);
  try {
    const rec = path.join(dir, 'faces.rec');
    const w = RecordWriter.create(rec, { indexPath: path.join(dir, 'faces.idx') });
    for (let i = 0; i < FACES; i++) w.write(packImageRecord({ label: i % 1000, id: i }, await distinctJpeg(i)), i);
    w.close();
    const run = timedRuns(CORES, TRIALS, () => [process.execPath, REC, 'audit', rec, '-q', '--threads', String(CORES)], () => undefined);
    return { what: `rec audit, ${FACES} generated 112x112 JPEGs (${(fs.statSync(rec).size / 1e6).toFixed(0)} MB)`, value: FACES / run.seconds, unit: 'images/s', goal: '>= 3,000', peakRssMiB: run.peakRssMiB };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function decodeRatio(): Promise<AuditRow> {
  const corpus = await corpusDir(Number(process.env.BENCH_CODEC_IMAGES ?? 800), process.env.BENCH_CORPUS);
  const files: string[] = [];
  const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : /\.jpe?g$/i.test(e.name) && files.push(path.join(d, e.name))));
  walk(corpus);
  const images = files.map((f) => fs.readFileSync(f));
  const sizes = await Promise.all(images.map((b) => imageInfo(b)));
  const timed = async (job: (i: number) => Parameters<typeof decodeIntoMany>[0][number]) => {
    const runs: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const t0 = performance.now();
      for (let at = 0; at < images.length; at += 64 * CORES) {
        const ids = Array.from({ length: Math.min(64 * CORES, images.length - at) }, (_, k) => at + k);
        const per = Math.ceil(ids.length / CORES);
        await Promise.all(Array.from({ length: CORES }, (_, c) => decodeIntoMany(ids.slice(c * per, (c + 1) * per).map(job))));
      }
      runs.push((performance.now() - t0) / 1000);
    }
    return median(runs);
  };
  const small = new Uint8Array(16 * 16); // the audit's square (src/tools/audit/perceptual.ts GRID)
  const small8 = await timed((i) => ({ input: images[i]!, out: small, offset: 0, options: { width: 16, height: 16, channels: 1, filter: 'area' } }));
  const full = await timed((i) => {
    const { width, height } = sizes[i]!;
    return { input: images[i]!, out: new Uint8Array(width * height * 3), offset: 0, options: { width, height } };
  });
  return { what: `the audit's 1/8-scale decode against a full decode, ${images.length} photos (shorter side 240-500 px): ${(images.length / small8).toFixed(0)} vs ${(images.length / full).toFixed(0)} images/s`, value: full / small8, unit: 'x faster', goal: '>= 3x', peakRssMiB: null };
}

export async function benchAudit(): Promise<{ markdown: string[]; rows: AuditRow[] }> {
  const rows = [await auditFaces(), await decodeRatio()];
  const markdown = [
    '## The dataset doctor (audit)',
    '',
    `\`rec audit\` (the CLI, ${TRIALS} runs, median, Node's start included, near-duplicates on) and its decode, on ${CORES} cores; load average at the start: ${os.loadavg()[0]!.toFixed(1)}.`,
    '',
    '| measured | value | goal | peak RSS |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.value.toFixed(r.unit === 'images/s' ? 0 : 2)} ${r.unit} | ${r.goal} | ${r.peakRssMiB === null ? '' : `${r.peakRssMiB.toFixed(0)} MiB`} |`),
  ];
  return { markdown, rows };
}

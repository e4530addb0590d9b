/**
 * Codec benchmark: the three kinds of per-image work mxrec does, through the
 * native addon, through sharp, and through OpenCV in Python (Debian's
 * python3-opencv, what MXNet's im2rec.py and cv2 loaders run), at 1 and 2
 * cores, on the same JPEGs in the same run:
 *   decode     full-size RGB decode;
 *   transcode  decode, shorter edge -> 256 (linear), JPEG q95: im2rec --resize 256;
 *   train      decode, random square crop (50-100% of the short edge) -> 224x224,
 *              random mirror, (x - mean) / std as float32 CHW.
 * Every measurement is a fresh process pinned to the cores it is given (the
 * median of 3 passes over the corpus, images already in memory); its peak
 * RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageInfo, isJpeg } from '../dist/index.js';
import { TIMED_ENV, corpusDir } from './common.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const PYTHON = '/usr/bin/python3'; // Debian's, where python3-opencv is
const TRIALS = 3;
const MODES = ['decode', 'transcode', 'train'] as const;
const CORES = [1, 2] as const;

interface Measure {
  imagesPerSec: number;
  peakRssMiB: number;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'broken') out.push(...listFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Runs one side pinned to `cores` CPUs, so that no side borrows a core beyond its share (mxrec's main thread included). */
function run(cores: number, cmd: string, args: string[], env: Record<string, string>): Measure {
  const cpus = Array.from({ length: cores }, (_, i) => i).join(',');
  const r = spawnSync('taskset', ['-c', cpus, cmd, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...TIMED_ENV, ...env }, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

export async function benchCodec(outDir: string): Promise<{ markdown: string; json: unknown }> {
  fs.mkdirSync(outDir, { recursive: true });
  const corpus = await corpusDir(Number(process.env.BENCH_CODEC_IMAGES ?? 800), process.env.BENCH_CORPUS ?? path.join(outDir, 'corpus'));
  const lines: string[] = [];
  let bytes = 0;
  for (const file of listFiles(corpus)) {
    const data = fs.readFileSync(file);
    if (!isJpeg(data)) continue; // a JPEG codec benchmark: PNGs go to sharp in every mxrec path
    const info = await imageInfo(data);
    lines.push(`${file}\t${info.width}\t${info.height}`);
    bytes += data.length;
  }
  const listFile = path.join(outDir, 'jpegs.tsv');
  fs.writeFileSync(listFile, `${lines.join('\n')}\n`);

  const rows: { mode: string; cores: number; mxrec: Measure; opencv: Measure; sharp: Measure }[] = [];
  for (const mode of MODES) {
    for (const cores of CORES) {
      const n = String(cores);
      const args = [mode, listFile, String(TRIALS)];
      const mxrec = run(cores, process.execPath, ['bench/workers/codec-ours.mjs', ...args], { UV_THREADPOOL_SIZE: n });
      const opencv = run(cores, PYTHON, ['bench/workers/codec_opencv.py', ...args, n], {});
      const sharp = run(cores, process.execPath, ['bench/workers/codec-sharp.mjs', ...args], { UV_THREADPOOL_SIZE: n, BENCH_CORES: n });
      rows.push({ mode, cores, mxrec, opencv, sharp });
      process.stderr.write(`codec ${mode} x${cores}: mxrec ${mxrec.imagesPerSec.toFixed(0)}, opencv ${opencv.imagesPerSec.toFixed(0)}, sharp ${sharp.imagesPerSec.toFixed(0)} img/s\n`);
    }
  }
  const f0 = (v: number) => v.toFixed(0);
  const ratio = (a: number, b: number) => `**${(a / b).toFixed(2)}×**`;
  const opencvVersion = spawnSync(PYTHON, ['-c', 'import cv2; print(cv2.__version__)'], { encoding: 'utf8' }).stdout.trim();
  const markdown = [
    '## Image codec: mxrec (libjpeg-turbo addon) vs OpenCV vs sharp',
    '',
    `${lines.length} JPEGs (${(bytes / 2 ** 20).toFixed(1)} MiB), crops of real photos from Debian's wallpapers made by [test/helpers/corpus.ts](../../test/helpers/corpus.ts) (shorter side 240-500 px),`,
    `in memory before timing. Median of ${TRIALS} passes, each side in a fresh process pinned to the cores with \`taskset\`. OpenCV ${opencvVersion} (Debian python3-opencv)`,
    'runs one process per core, as im2rec.py does; mxrec runs batches on libuv\'s pool with UV_THREADPOOL_SIZE = cores;',
    'sharp runs 2 pipelines per core with libvips concurrency = cores.',
    '',
    '- decode: full-size RGB. transcode: shorter edge to 256 (linear) and JPEG q95, im2rec\'s `--resize 256 --quality 95`.',
    '- train: random square crop of 50-100% of the shorter edge, resized to 224×224, random mirror, (x − mean) / std as float32 CHW.',
    '',
    '| work | cores | mxrec img/s | OpenCV img/s | sharp img/s | mxrec / OpenCV | mxrec / sharp | peak RSS MiB (mxrec / OpenCV / sharp) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.cores} | ${f0(r.mxrec.imagesPerSec)} | ${f0(r.opencv.imagesPerSec)} | ${f0(r.sharp.imagesPerSec)} | ` +
        `${ratio(r.mxrec.imagesPerSec, r.opencv.imagesPerSec)} | ${ratio(r.mxrec.imagesPerSec, r.sharp.imagesPerSec)} | ` +
        `${f0(r.mxrec.peakRssMiB)} / ${f0(r.opencv.peakRssMiB)} / ${f0(r.sharp.peakRssMiB)} |`,
    ),
    '',
    'OpenCV\'s RSS is the sum over its worker processes.',
  ].join('\n');
  return { markdown, json: { images: lines.length, bytes, trials: TRIALS, opencv: opencvVersion, rows } };
}

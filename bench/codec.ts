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
 * RSS is its own. Beside them, the floor both sides share: libjpeg-turbo's
 * entropy coding alone (jpeg_floor.c), which bounds how far any codec built on
 * it can lead OpenCV.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageInfo, isJpeg, shorterEdgeSize, transcodeMany } from '../dist/index.js';
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
  const floor = await entropyFloor(outDir, listFile);
  const at1 = (mode: string) => rows.find((r) => r.mode === mode && r.cores === 1)!.opencv.imagesPerSec;
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
    '',
    `The floor both share: libjpeg-turbo's entropy coding alone ([bench/workers/jpeg_floor.c](../workers/jpeg_floor.c), one core): the inputs' entropy decoding (a decode at 1/8 scale)`,
    `${f0(floor.decode)} img/s, that plus the entropy coding of the transcode's outputs ${f0(floor.transcode)} img/s. Any codec on libjpeg-turbo leads OpenCV's one-core rates by`,
    `at most **${(floor.decode / at1('decode')).toFixed(2)}×** at decode and **${(floor.transcode / at1('transcode')).toFixed(2)}×** at transcode, however fast the rest of its work (the inverse DCT,`,
    'colour, resize and forward DCT: libjpeg-turbo\'s SIMD code on both sides but for the resize).',
  ].join('\n');
  return { markdown, json: { images: lines.length, bytes, trials: TRIALS, opencv: opencvVersion, rows, floor } };
}

/**
 * libjpeg-turbo's entropy decoding of the inputs, and encoding of the transcode's outputs (made here
 * by mxrec, the sizes and quality of the transcode row), in images/s at one core: jpeg_floor.c, built
 * with the system's cc and libjpeg.
 */
async function entropyFloor(outDir: string, listFile: string): Promise<{ decode: number; transcode: number }> {
  const items = fs.readFileSync(listFile, 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const outputs = path.join(outDir, 'floor-outputs');
  fs.rmSync(outputs, { recursive: true, force: true });
  fs.mkdirSync(outputs);
  const written: string[] = [];
  for (let i = 0; i < items.length; i += 16) {
    const batch = items.slice(i, i + 16);
    const encoded = await transcodeMany(
      batch.map(([file]) => fs.readFileSync(file!)),
      batch.map(([, w, h]) => ({ ...shorterEdgeSize(Number(w), Number(h), 256), quality: 95 })),
    );
    encoded.forEach((r, k) => {
      if (!('data' in r)) throw r;
      written.push(path.join(outputs, `${i + k}.jpg`));
      fs.writeFileSync(written.at(-1)!, r.data);
    });
  }
  fs.writeFileSync(`${outputs}.txt`, `${written.join('\n')}\n`);
  const t = jpegFloor(outDir, listFile, `${outputs}.txt`);
  const floor = { decode: t.images / t.decodeSeconds, transcode: t.images / (t.decodeSeconds + t.encodeSeconds) };
  process.stderr.write(`codec floor x1: entropy decode ${floor.decode.toFixed(0)}, + encode ${floor.transcode.toFixed(0)} img/s\n`);
  return floor;
}

/**
 * Runs jpeg_floor.c (built into outDir with the system's cc and libjpeg, as the addon is) on one core:
 * the inputs' entropy decoding, and the outputs' entropy encoding, in seconds (medians of TRIALS).
 */
export function jpegFloor(outDir: string, inputs: string, outputs = '/dev/null'): { images: number; decodeSeconds: number; encodeSeconds: number } {
  const tool = path.join(outDir, 'jpeg_floor');
  const cc = spawnSync('cc', ['-O2', '-o', tool, path.join(here, 'workers/jpeg_floor.c'), '-ljpeg'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building jpeg_floor failed:\n${cc.stderr}`);
  const r = spawnSync('taskset', ['-c', '0', tool, inputs, outputs, String(TRIALS)], { encoding: 'utf8', env: { ...process.env, ...TIMED_ENV } });
  if (r.status !== 0) throw new Error(`jpeg_floor failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as { images: number; decodeSeconds: number; encodeSeconds: number };
}

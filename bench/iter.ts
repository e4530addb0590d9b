/**
 * ImageRecordIter benchmark, in one run on the same .rec: the 2,000 corpus
 * images packed by mxrec's im2rec at `--resize 256`; dataShape 3x224x224,
 * batch 64, shuffled through the .idx, random crop + random mirror +
 * mean/std, float32 NCHW. Against, each pinned to the same cores:
 *   - PyTorch's DataLoader (Debian python3-torch, torchvision, PIL) with one
 *     worker process per core and a Dataset reading the .rec through its .idx;
 *   - the same loop in OpenCV in one process (per-core speed).
 * Every side times its own epochs; the first epoch (start-up, worker
 * processes, cold caches) is left out, the rest are summed. Memory: mxrec's
 * RSS after each of 10 epochs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PYTHON, corpusDir, here, measure, median, root } from './common.js';

const TRIALS = 3;
const IMAGES = 2000;
const EPOCHS = 4;

interface Epoch {
  images: number;
  seconds: number;
  rssMiB?: number;
}

/** Images/s over the epochs after the first. */
function steady(stdout: string): number {
  const epochs = (JSON.parse(stdout) as { epochs: Epoch[] }).epochs.slice(1);
  return epochs.reduce((a, e) => a + e.images, 0) / epochs.reduce((a, e) => a + e.seconds, 0);
}

async function packRec(outDir: string): Promise<{ rec: string; idx: string }> {
  const prefix = path.join(outDir, 'train');
  const rec = `${prefix}.rec`;
  if (!fs.existsSync(rec)) {
    const corpus = await corpusDir(IMAGES);
    const im2rec = path.join(root, 'bin/im2rec.cjs');
    for (const args of [[prefix, corpus, '--list', '--recursive'], [prefix, corpus, '--resize', '256', '--quality', '95']]) {
      // --force: the list may be left from a run stopped before its pack.
      const r = spawnSync(process.execPath, [im2rec, ...args, '--force', '--quiet'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    }
  }
  return { rec, idx: `${prefix}.idx` };
}

function torchVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export async function benchIter(outDir: string): Promise<{ markdown: string; json: unknown }> {
  fs.mkdirSync(outDir, { recursive: true });
  const { rec, idx } = await packRec(outDir);
  const torch = torchVersion();
  const ours = (cores: number, reuse: boolean, epochs = EPOCHS) =>
    measure(cores, [process.execPath, path.join(here, 'workers/iter-ours.mjs'), rec, idx, String(cores), String(epochs), reuse ? 'reuse' : 'fresh'], {
      UV_THREADPOOL_SIZE: String(Math.max(cores, 2)),
    });
  const worker = (name: string) => path.join(here, 'workers', name);

  const rows: Array<{ cores: number; fresh: number; reuse: number; torch: number | null; opencv: number | null; rss: number }> = [];
  for (const cores of [1, 2]) {
    const fresh: number[] = [];
    const reuse: number[] = [];
    const torchRuns: number[] = [];
    const opencv: number[] = [];
    let rss = 0;
    for (let t = 0; t < TRIALS; t++) {
      const a = ours(cores, false);
      const b = ours(cores, true);
      fresh.push(steady(a.stdout));
      reuse.push(steady(b.stdout));
      rss = Math.max(rss, a.peakRssMiB, b.peakRssMiB);
      if (torch) torchRuns.push(steady(measure(cores, [PYTHON, worker('iter_torch.py'), rec, idx, String(cores), '3']).stdout));
      if (cores === 1) opencv.push(steady(measure(1, [PYTHON, worker('iter_opencv.py'), rec, idx, '3']).stdout));
    }
    const row = {
      cores,
      fresh: median(fresh),
      reuse: median(reuse),
      torch: torch ? median(torchRuns) : null,
      opencv: cores === 1 ? median(opencv) : null,
      rss,
    };
    rows.push(row);
    process.stderr.write(`iter x${cores}: mxrec ${row.fresh.toFixed(0)} / ${row.reuse.toFixed(0)} (reuse), torch ${row.torch?.toFixed(0)}, opencv ${row.opencv?.toFixed(0)} img/s\n`);
  }

  // Memory over epochs: RSS after each of 10 epochs, both buffer modes, 2 cores.
  const memory = [false, true].map((reuse) => ({
    reuse,
    rssMiB: (JSON.parse(ours(2, reuse, 10).stdout) as { epochs: Epoch[] }).epochs.map((e) => Math.round(e.rssMiB!)),
  }));

  const f0 = (v: number | null) => (v === null ? '–' : v.toFixed(0));
  const ratio = (a: number, b: number | null) => (b === null ? '–' : `**${(a / b).toFixed(2)}×**`);
  const opencv1 = rows[0]!.opencv;
  const markdown = [
    '## ImageRecordIter: training batches',
    '',
    `The ${IMAGES} corpus images packed by mxrec's im2rec at \`--resize 256 --quality 95\`; dataShape 3×224×224, batch 64,`,
    'shuffled through the .idx, random crop, random mirror, mean/std, float32 NCHW. Against PyTorch\'s DataLoader',
    `(${torch ? `torch/torchvision ${torch}` : 'python3-torch not installed: apt-get install python3-torch python3-torchvision'}, Debian) with one worker per core and a map-style Dataset reading the same`,
    '.rec through its .idx (PIL decode, RandomCrop, RandomHorizontalFlip, ToTensor, Normalize:',
    '[bench/workers/iter_torch.py](../workers/iter_torch.py)), and the same loop in OpenCV in one process',
    '([iter_opencv.py](../workers/iter_opencv.py)). Each side is pinned to the cores with `taskset` and times its',
    `own epochs; the first (start-up, worker processes) is left out. Median of ${TRIALS}. Images are in the page cache.`,
    '"reuse" is `reuseBuffers: true` (a batch valid until the next one, as in MXNet); by default every batch is',
    'its own memory that the caller may keep, as with the DataLoader (memory of collected batches is reused).',
    '',
    '| cores | mxrec img/s | mxrec, reuse img/s | PyTorch DataLoader img/s | mxrec / PyTorch (reuse) | OpenCV loop img/s | mxrec / OpenCV (reuse) | mxrec peak RSS MiB |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.cores} | ${f0(r.fresh)} | ${f0(r.reuse)} | ${f0(r.torch)} | ${ratio(r.fresh, r.torch)} (${ratio(r.reuse, r.torch)}) | ` +
        `${r.cores === 1 ? f0(opencv1) : `${f0(opencv1)} per core`} | ${ratio(r.fresh, opencv1 === null ? null : opencv1 * r.cores)} (${ratio(r.reuse, opencv1 === null ? null : opencv1 * r.cores)}) | ${f0(r.rss)} |`,
    ),
    '',
    `Per core (2 cores): mxrec ${f0(rows[1]!.fresh / 2)} img/s, with reuse ${f0(rows[1]!.reuse / 2)}. The OpenCV ratio at 2 cores is against twice its one-process speed.`,
    '',
    `mxrec's RSS after each of 10 epochs (2 cores): ${memory.map((m) => `${m.reuse ? 'reuse' : 'default'} ${m.rssMiB.join(', ')} MiB`).join('; ')}.`,
  ].join('\n');
  return { markdown, json: { rows, memory, torch } };
}

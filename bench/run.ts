/**
 * npm run bench [-- SUITE...]: runs the benchmarks and writes bench/results/RESULTS.md
 * (linked from the README) and results.json. Suites: format, codec, im2rec, iter, s3, exchange, doctor. Running
 * some suites keeps the other suites' last results, so the file stays whole.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCodec } from './codec.js';
import { benchDoctor } from './doctor.js';
import { benchExchange } from './exchange.js';
import { benchFormat } from './format.js';
import { benchIm2rec } from './im2rec.js';
import { benchIter } from './iter.js';
import { benchS3 } from './s3.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites: Record<string, (outDir: string) => Promise<{ markdown: string; json: unknown }>> = {
  format: benchFormat,
  codec: benchCodec,
  im2rec: benchIm2rec,
  iter: benchIter,
  s3: benchS3,
  exchange: benchExchange,
  doctor: benchDoctor,
};

/** The CPU's vector and hashing extensions that matter to the codec and the hashes (from /proc/cpuinfo). */
function cpuExtensions(): string {
  let flags: string[] = [];
  try {
    flags = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(' ') ?? [];
  } catch {
    return 'unknown';
  }
  const wanted = ['sse4_2', 'avx', 'avx2', 'avx512f', 'avx512bw', 'avx512vl', 'sha_ni', 'neon', 'asimd'];
  return wanted.filter((f) => flags.includes(f)).join(' ') || 'none of note';
}

function debianVersion(pkg: string): string {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout : 'not installed';
}

const wanted = process.argv.slice(2);
for (const name of wanted) if (!suites[name]) throw new Error(`unknown suite ${name}; expected one of ${Object.keys(suites).join(', ')}`);
const names = wanted.length > 0 ? wanted : Object.keys(suites);

const machine = {
  date: new Date().toISOString(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  extensions: cpuExtensions(),
  cores: os.availableParallelism(),
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  libdmlc: debianVersion('libdmlc-dev'),
};

const outDir = path.join(here, 'out');
const resultsDir = path.join(here, 'results');
const jsonPath = path.join(resultsDir, 'results.json');
interface SuiteResult {
  machine: typeof machine;
  markdown: string;
  data: unknown;
}
// Earlier results of the suites not run now stay, each with the machine and date it ran on.
const previous = fs.existsSync(jsonPath) ? (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { suites?: Record<string, SuiteResult> }) : {};
const results: Record<string, SuiteResult> = previous.suites ?? {};
for (const name of names) {
  process.stderr.write(`bench: running ${name}...\n`);
  const { markdown, json: data } = await suites[name]!(path.join(outDir, name));
  results[name] = { machine, markdown, data };
  process.stderr.write(`${markdown}\n\n`);
}
const sections = Object.keys(suites)
  .filter((name) => results[name])
  .map((name) => `${results[name]!.markdown}\n\n_Run ${results[name]!.machine.date.slice(0, 10)}._`);
const json = { suites: results };
fs.mkdirSync(resultsDir, { recursive: true });
const header = [
  '# mxrec benchmark results',
  '',
  `Written by \`npm run bench\` (last run ${machine.date.slice(0, 10)}): ${machine.cpu} (${machine.extensions}), ${machine.cores} cores, ${machine.memoryGiB} GiB,`,
  `Node ${machine.node}, Debian libdmlc-dev ${machine.libdmlc}. Raw numbers: [results.json](results.json).`,
  "Suites run since 2026-12-07 time every process, mxrec's and the baselines', with glibc's malloc keeping freed memory",
  '(`TIMED_ENV` in [bench/common.ts](../common.ts)): without it the Python baselines lost up to four fifths of their time to',
  "page faults on these virtual machines (OpenCV's train loop: 165 against 905 images/s).",
  '',
].join('\n');
fs.writeFileSync(path.join(resultsDir, 'RESULTS.md'), `${header}\n${sections.join('\n\n')}\n`);
fs.writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
process.stderr.write(`bench: wrote ${path.relative(process.cwd(), path.join(resultsDir, 'RESULTS.md'))}\n`);

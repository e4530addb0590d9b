/**
 * Buckets benchmark: each operation over s3:// against the same operation on
 * the local file, in one run on the same data. The S3 API is s3rver (the test
 * server) on loopback, in a process of its own (bench/workers/s3-server.mjs)
 * pinned to the machine's last core, its objects on the same disk as the
 * local files; mxrec runs on core 0 for both sides (whole processes, timed
 * from start to exit, peak RSS their own), so the server's work is not
 * mxrec's, as on a real store. What the server itself can serve is measured
 * beside them with curl (a C client) doing the same transfers: that ceiling
 * says how much of a gap is mxrec's.
 *   scan    `rec info` and `rec verify` of a 512 MiB .rec: MB/s;
 *   iter    ImageRecordIter over the im2rec-packed corpus (as the iter suite
 *           runs it): images/s after the first epoch;
 *   im2rec  a pack with the list, the images and the output in the bucket:
 *           images/s, and peak RSS at 2k and 20k images;
 *   merge   `rec merge` of 4 parts: MB/s, and peak RSS from 10 MiB to 1 GiB parts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { RecordWriter, packImageRecord } from '../dist/index.js';
import { randomBytes, rng } from '../test/helpers/random.js';
import { type Run, corpusDir, here, measure, median, root } from './common.js';

const REC = path.join(root, 'bin/rec.cjs');
const IM2REC = path.join(root, 'bin/im2rec.cjs');
const BUCKET = 'bench';
const MiB = 1 << 20;
const TRIALS = 3;
const IMAGES = 2000;
/** The server's core; mxrec and curl run on core 0. */
const SERVER_CORE = Math.max(1, os.availableParallelism() - 1);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'; // this process's own uploads, on Node 20

/** The store as one way of reaching it sees it: directly, or through the latency proxy. */
interface Server {
  env: Record<string, string>;
  client: S3Client;
  /** Uploads a file (directly, once whichever way asks). */
  put(key: string, file: string): Promise<void>;
  /** A presigned GET (or PUT) this way, for curl. */
  sign(key: string, method?: 'GET' | 'PUT'): Promise<string>;
  stop(): void;
}

/** Starts a worker on the server's core; resolves with it and the JSON line it prints once listening. */
async function startWorker<T>(args: string[]): Promise<{ child: ChildProcess; first: T }> {
  const child = spawn('taskset', ['-c', String(SERVER_CORE), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { child, first: JSON.parse(first) as T };
}

function serverAt(endpoint: string, child: ChildProcess, put: (client: S3Client) => Server['put']): Server {
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const client = new S3Client({ endpoint, forcePathStyle: true, region: env.AWS_REGION, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    env,
    client,
    put: put(client),
    sign: (key, method = 'GET') =>
      getSignedUrl(client, method === 'GET' ? new GetObjectCommand({ Bucket: BUCKET, Key: key }) : new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 3600 }),
    stop: () => {
      client.destroy();
      child.kill();
    },
  };
}

async function startServer(dir: string): Promise<Server> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { child, first } = await startWorker<{ endpoint: string }>([path.join(here, 'workers/s3-server.mjs'), dir, BUCKET]);
  const uploaded = new Set<string>();
  return serverAt(first.endpoint, child, (client) => async (key, file) => {
    if (uploaded.has(key)) return;
    await new Upload({ client, params: { Bucket: BUCKET, Key: key, Body: fs.createReadStream(file) }, partSize: 64 * MiB }).done();
    uploaded.add(key);
  });
}

/** The latency proxy (test/helpers/latency-proxy.ts, its defaults: a real store's) in front of `s3`, on the server's core. */
async function startProxy(s3: Server): Promise<Server & { latencyMs: number; bytesPerSec: number }> {
  const { child, first } = await startWorker<{ endpoint: string; latencyMs: number; bytesPerSec: number }>(['--import', 'tsx', path.join(here, 'workers/latency-proxy.mjs'), s3.env.AWS_ENDPOINT_URL_S3!]);
  return { ...serverAt(first.endpoint, child, () => s3.put), latencyMs: first.latencyMs, bytesPerSec: first.bytesPerSec };
}

/** A .rec of payloads of 20-200 KB (ImageNet-sized), `bytes` long, with its .idx. */
function writeRec(file: string, bytes: number, seed: number): void {
  if (fs.existsSync(file)) return;
  const next = rng(seed);
  const writer = RecordWriter.create(`${file}.tmp`, { indexPath: file.replace(/\.rec$/, '.idx'), overwrite: true, fsync: false });
  for (let i = 0; writer.position < bytes; i++) writer.write(packImageRecord({ label: i % 1000, id: i }, randomBytes(next, 20_000 + Math.floor(next() * 180_000))), i);
  writer.close();
  fs.renameSync(`${file}.tmp`, file);
}

function rec(args: string[], env: Record<string, string> = {}): Run {
  return measure(1, [process.execPath, REC, ...args], env);
}

/** curl on core 0 (its options, then the URL); the seconds its transfers took. */
function curl(args: string[]): number {
  return measure(1, ['curl', '-sS', '--fail', ...args]).seconds;
}

/**
 * curl's time to fetch a whole object of `size` bytes (median of TRIALS) as a scan reads it: in
 * 4 MiB ranges, 16 at once (REMOTE_READ_AHEAD). `config` is written for curl.
 */
function wholeObject(config: string, url: string, size: number): number {
  const piece = 4 * MiB;
  fs.writeFileSync(config, Array.from({ length: Math.ceil(size / piece) }, (_, i) => `url = "${url}"\nrange = "${i * piece}-${Math.min(size, (i + 1) * piece) - 1}"\noutput = "/dev/null"\n`).join(''));
  return median(Array.from({ length: TRIALS }, () => curl(['-Z', '--parallel-max', '16', '-K', config])));
}

/** Runs `local` and `remote` TRIALS times, alternating who goes first; medians. */
function sideBySide(trials: number, local: () => Run, remote: () => Run): { local: Run; remote: Run } {
  const l: Run[] = [];
  const r: Run[] = [];
  for (let t = 0; t < trials; t++) {
    if (t % 2 === 0) {
      l.push(local());
      r.push(remote());
    } else {
      r.push(remote());
      l.push(local());
    }
  }
  const pick = (runs: Run[]) => ({ ...runs[0]!, seconds: median(runs.map((x) => x.seconds)), peakRssMiB: Math.max(...runs.map((x) => x.peakRssMiB)) });
  return { local: pick(l), remote: pick(r) };
}

async function benchScan(outDir: string, s3: Server) {
  const file = path.join(outDir, 'scan.rec');
  writeRec(file, 512 * MiB, 1);
  await s3.put('scan/scan.rec', file);
  await s3.put('scan/scan.idx', file.replace(/\.rec$/, '.idx'));
  const size = fs.statSync(file).size;
  const ceiling = size / 1e6 / wholeObject(path.join(outDir, 'curl-scan.txt'), await s3.sign('scan/scan.rec'), size);
  return (['info', 'verify'] as const).map((command) => {
    const { local, remote } = sideBySide(TRIALS, () => rec([command, file]), () => rec([command, `s3://${BUCKET}/scan/scan.rec`], s3.env));
    const row = { command, mb: size / 1e6, local: { mbps: size / 1e6 / local.seconds, rss: local.peakRssMiB }, s3: { mbps: size / 1e6 / remote.seconds, rss: remote.peakRssMiB }, ceiling };
    process.stderr.write(`s3 ${command}: local ${row.local.mbps.toFixed(0)} MB/s, s3 ${row.s3.mbps.toFixed(0)} MB/s, curl ${ceiling.toFixed(0)} MB/s\n`);
    return row;
  });
}

/** The corpus packed as the iter suite packs it; and its list, for the im2rec rows. */
async function corpusPack(outDir: string): Promise<{ corpus: string; prefix: string }> {
  const corpus = await corpusDir(IMAGES);
  const prefix = path.join(outDir, 'corpus');
  if (!fs.existsSync(`${prefix}.rec`)) {
    for (const args of [[prefix, corpus, '--list', '--recursive'], [prefix, corpus, '--resize', '256', '--quality', '95']]) {
      const r = spawnSync(process.execPath, [IM2REC, ...args, '--force', '--quiet'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    }
  }
  return { corpus, prefix };
}

/** Images/s over the epochs after the first (iter-ours.mjs's output). */
function steady(stdout: string): number {
  const epochs = (JSON.parse(stdout) as { epochs: { images: number; seconds: number }[] }).epochs.slice(1);
  return epochs.reduce((a, e) => a + e.images, 0) / epochs.reduce((a, e) => a + e.seconds, 0);
}

/** Where each record of a .rec starts and how long it is, from its .idx. */
function spans(idx: string, size: number): [number, number][] {
  const offsets = fs.readFileSync(idx, 'utf8').trim().split('\n').map((l) => Number(l.split('\t')[1])).sort((a, b) => a - b);
  return offsets.map((o, i) => [o, (offsets[i + 1] ?? size) - o]);
}

async function benchIter(outDir: string, s3: Server, prefix: string) {
  await s3.put('iter/train.rec', `${prefix}.rec`);
  await s3.put('iter/train.idx', `${prefix}.idx`);
  const iter = (recPath: string, idxPath: string, env: Record<string, string> = {}) =>
    measure(1, [process.execPath, path.join(here, 'workers/iter-ours.mjs'), recPath, idxPath, '1', '3', 'reuse'], { UV_THREADPOOL_SIZE: '2', ...env });
  // The server's ceilings: curl fetching every record as the .idx mode does (64 requests in
  // flight), and the whole object as the file-order mode reads it (wholeObject).
  const url = await s3.sign('iter/train.rec');
  const size = fs.statSync(`${prefix}.rec`).size;
  const records = spans(`${prefix}.idx`, size);
  const config = path.join(outDir, 'curl-ranges.txt');
  fs.writeFileSync(config, records.map(([o, n]) => `url = "${url}"\nrange = "${o}-${o + n - 1}"\noutput = "/dev/null"\n`).join(''));
  const perRequest = records.length / median(Array.from({ length: TRIALS }, () => curl(['-Z', '--parallel-max', '64', '-K', config])));
  const whole = records.length / wholeObject(path.join(outDir, 'curl-whole.txt'), url, size);
  const modes = [
    { mode: 'shuffled through the .idx: a ranged GET per image', idx: true, ceiling: perRequest },
    { mode: 'file order through a shuffle buffer (no .idx): 4 MiB ranged GETs, 16 at once', idx: false, ceiling: whole },
  ];
  return modes.map(({ mode, idx, ceiling }) => {
    const local: number[] = [];
    const remote: number[] = [];
    const rss = { local: 0, s3: 0 };
    for (let t = 0; t < TRIALS; t++) {
      const l = iter(`${prefix}.rec`, idx ? `${prefix}.idx` : '-');
      const r = iter(`s3://${BUCKET}/iter/train.rec`, idx ? `s3://${BUCKET}/iter/train.idx` : '-', s3.env);
      local.push(steady(l.stdout));
      remote.push(steady(r.stdout));
      rss.local = Math.max(rss.local, l.peakRssMiB);
      rss.s3 = Math.max(rss.s3, r.peakRssMiB);
    }
    const row = { mode, local: median(local), s3: median(remote), ceiling, rss };
    process.stderr.write(`s3 iter (${mode}): local ${row.local.toFixed(0)} img/s, s3 ${row.s3.toFixed(0)} img/s, curl ${ceiling.toFixed(0)} img/s\n`);
    return row;
  });
}

async function benchIm2rec(outDir: string, s3: Server, corpus: string, listPrefix: string) {
  const files = (fs.readdirSync(corpus, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(corpus, f)).isFile());
  for (const rel of files) await s3.put(`images/${rel.split(path.sep).join('/')}`, path.join(corpus, rel));
  const lines = fs.readFileSync(`${listPrefix}.lst`, 'utf8').trim().split('\n');
  // The server's ceiling: curl fetching every image once (as im2rec does: a GET each), 64 in flight (many, as the store allows).
  const config = path.join(outDir, 'curl-images.txt');
  const urls = await Promise.all(files.map((rel) => s3.sign(`images/${rel.split(path.sep).join('/')}`)));
  fs.writeFileSync(config, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(''));
  const ceiling = files.length / median(Array.from({ length: TRIALS }, () => curl(['-Z', '--parallel-max', '64', '-K', config])));
  const rows: { images: number; local: { ips: number; rss: number }; s3: { ips: number; rss: number }; ceiling: number }[] = [];
  for (const times of [1, 10]) {
    // 20k: the 2k list ten times over, indices kept distinct (as the im2rec suite's memory row).
    const text = `${Array.from({ length: times }, (_, k) => lines.map((l) => l.replace(/^\d+/, (n) => String(Number(n) + k * lines.length))).join('\n')).join('\n')}\n`;
    const images = lines.length * times;
    // Neither name a prefix of the other: im2rec packs every PREFIX*.lst.
    const name = `list-${images / 1000}k`;
    const localDir = path.join(outDir, 'im2rec', name);
    fs.mkdirSync(localDir, { recursive: true });
    fs.writeFileSync(path.join(localDir, `${name}.lst`), text);
    await s3.put(`im2rec/${name}.lst`, path.join(localDir, `${name}.lst`));
    const args = ['--resize', '256', '--quality', '95', '--num-thread', '1', '--force', '--quiet'];
    const { local, remote } = sideBySide(times === 1 ? TRIALS : 1,
      () => measure(1, [process.execPath, IM2REC, path.join(localDir, name), corpus, ...args]),
      () => measure(1, [process.execPath, IM2REC, `s3://${BUCKET}/im2rec/${name}`, `s3://${BUCKET}/images/`, ...args], s3.env),
    );
    const row = { images, local: { ips: images / local.seconds, rss: local.peakRssMiB }, s3: { ips: images / remote.seconds, rss: remote.peakRssMiB }, ceiling };
    process.stderr.write(`s3 im2rec ${images}: local ${row.local.ips.toFixed(0)} img/s, s3 ${row.s3.ips.toFixed(0)} img/s, RSS ${row.s3.rss.toFixed(0)} MiB\n`);
    rows.push(row);
  }
  return rows;
}

async function benchMerge(outDir: string, s3: Server) {
  // The server's write ceiling: curl uploading a 512 MiB object in one PUT.
  const scan = path.join(outDir, 'scan.rec');
  const put = await s3.sign('ceiling/put.rec', 'PUT');
  const ceiling = fs.statSync(scan).size / 1e6 / median(Array.from({ length: TRIALS }, () => curl(['-o', '/dev/null', '-T', scan, put])));
  const rows: { partMiB: number; local: { mbps: number; rss: number }; s3: { mbps: number; rss: number }; ceiling: number }[] = [];
  for (const partMiB of [10, 100, 1024]) {
    const parts = Array.from({ length: 4 }, (_, i) => path.join(outDir, 'merge', `p${partMiB}-${i}.rec`));
    fs.mkdirSync(path.dirname(parts[0]!), { recursive: true });
    parts.forEach((p, i) => writeRec(p, partMiB * MiB, 10 + i));
    for (const p of parts) {
      await s3.put(`merge/${path.basename(p)}`, p);
      await s3.put(`merge/${path.basename(p).replace(/\.rec$/, '.idx')}`, p.replace(/\.rec$/, '.idx'));
    }
    const bytes = parts.reduce((n, p) => n + fs.statSync(p).size, 0);
    const out = path.join(outDir, 'merge', 'out.rec');
    const { local, remote } = sideBySide(partMiB >= 1024 ? 1 : TRIALS,
      () => rec(['merge', '-o', out, ...parts, '--force', '--quiet']),
      () => rec(['merge', '-o', `s3://${BUCKET}/merge/out-${partMiB}.rec`, ...parts.map((p) => `s3://${BUCKET}/merge/${path.basename(p)}`), '--force', '--quiet'], s3.env),
    );
    const row = { partMiB, local: { mbps: bytes / 1e6 / local.seconds, rss: local.peakRssMiB }, s3: { mbps: bytes / 1e6 / remote.seconds, rss: remote.peakRssMiB }, ceiling };
    process.stderr.write(`s3 merge 4x${partMiB} MiB: local ${row.local.mbps.toFixed(0)} MB/s, s3 ${row.s3.mbps.toFixed(0)} MB/s, RSS ${row.s3.rss.toFixed(0)} MiB\n`);
    rows.push(row);
    fs.rmSync(out, { force: true });
    fs.rmSync(out.replace(/\.rec$/, '.idx'), { force: true });
  }
  return rows;
}

export async function benchS3(outDir: string): Promise<{ markdown: string; json: unknown }> {
  fs.mkdirSync(outDir, { recursive: true });
  const { corpus, prefix } = await corpusPack(outDir);
  const s3 = await startServer(path.join(outDir, 'server'));
  const proxy = await startProxy(s3).catch((err: unknown) => {
    s3.stop();
    throw err;
  });
  try {
    const ways = [
      { way: 'direct', server: s3 },
      { way: `through the latency proxy (${proxy.latencyMs} ms to each answer's first byte, ${proxy.bytesPerSec / 1e6} MB/s per connection)`, server: proxy },
    ];
    const results = [];
    for (const { way, server } of ways) {
      process.stderr.write(`s3: ${way}\n`);
      const scan = await benchScan(outDir, server);
      const iter = await benchIter(outDir, server, prefix);
      const im2rec = await benchIm2rec(outDir, server, corpus, prefix);
      const merge = await benchMerge(outDir, server);
      results.push({ way, scan, iter, im2rec, merge });
    }
    const pct = (a: number, b: number) => `**${Math.round((100 * a) / b)}%**`;
    const f0 = (v: number) => v.toFixed(0);
    const markdown = [
      '## Buckets: s3:// against the local file',
      '',
      'Each operation over `s3://` against the same operation on the local file, in the same run on the same data,',
      'mxrec pinned to one core (`taskset`) on both sides. The S3 API is [s3rver](https://github.com/jamhall/s3rver) (the',
      'test server) on loopback, pinned to the other core, its objects on the same disk as the local files. *Server',
      'ceiling* is what curl (a C client, also on mxrec\'s core) gets from that server doing the same transfers:',
      'mxrec / ceiling says how much of the gap to the local file is mxrec\'s, and how much the server\'s.',
      `Whole processes timed from start to exit, median of ${TRIALS} (one run for the largest sizes).`,
      'Loopback answers in microseconds; a real store after tens of milliseconds, streaming each connection at about',
      '100 MB/s. So every operation is measured twice: directly, and through the latency proxy',
      '([test/helpers/latency-proxy.ts](../../test/helpers/latency-proxy.ts), on the server\'s core), curl\'s ceiling too.',
      ...results.flatMap(({ way, scan, iter, im2rec, merge }) => [
        '',
        `### ${way[0]!.toUpperCase()}${way.slice(1)}`,
        '',
        '| operation | local | s3:// | s3 / local | server ceiling | s3 / ceiling | peak RSS MiB (local / s3) |',
        '|---|---|---|---|---|---|---|',
        ...scan.map((r) => `| \`rec ${r.command}\`, ${f0(r.mb)} MB | ${f0(r.local.mbps)} MB/s | ${f0(r.s3.mbps)} MB/s | ${pct(r.s3.mbps, r.local.mbps)} | ${f0(r.ceiling)} MB/s (4 MiB ranged GETs, 16 at once) | ${pct(r.s3.mbps, r.ceiling)} | ${f0(r.local.rss)} / ${f0(r.s3.rss)} |`),
        ...iter.map((r) => `| ImageRecordIter, ${IMAGES} images, ${r.mode} | ${f0(r.local)} img/s | ${f0(r.s3)} img/s | ${pct(r.s3, r.local)} | ${f0(r.ceiling)} img/s | ${pct(r.s3, r.ceiling)} | ${f0(r.rss.local)} / ${f0(r.rss.s3)} |`),
        ...im2rec.map((r) => `| im2rec, ${r.images.toLocaleString('en')} images (list, images, output in the bucket) | ${f0(r.local.ips)} img/s | ${f0(r.s3.ips)} img/s | ${pct(r.s3.ips, r.local.ips)} | ${f0(r.ceiling)} img/s (a GET each) | ${pct(r.s3.ips, r.ceiling)} | ${f0(r.local.rss)} / ${f0(r.s3.rss)} |`),
        ...merge.map((r) => `| \`rec merge\` of 4 × ${r.partMiB} MiB parts | ${f0(r.local.mbps)} MB/s | ${f0(r.s3.mbps)} MB/s | ${pct(r.s3.mbps, r.local.mbps)} | ${f0(r.ceiling)} MB/s (PUT) | ${pct(r.s3.mbps, r.ceiling)} | ${f0(r.local.rss)} / ${f0(r.s3.rss)} |`),
      ]),
      '',
      'ImageRecordIter: one preprocessing thread, 3×224×224 random crops, batch 64, images/s after the first of three',
      'epochs. im2rec: `--resize 256 --quality 95 --num-thread 1`; the 20,000-image list is the 2,000 images ten times over.',
    ].join('\n');
    return { markdown, json: { proxy: { latencyMs: proxy.latencyMs, bytesPerSec: proxy.bytesPerSec }, ways: results } };
  } finally {
    proxy.stop();
    s3.stop();
  }
}

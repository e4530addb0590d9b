// The cluster examples (issue 21): examples/kubernetes/pack-job.yaml and the
// Slurm scripts in examples/slurm are parsed here, and the commands they run
// are run as the scheduler would run them (N processes at once, each with the
// scheduler's variable set) against a real S3 API on loopback (s3rver). The
// merged output must be byte for byte the .rec and .idx one machine packs from
// the same list; the parts in the bucket must read as one dataset.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ImageRecordIter } from '../../src/iter/image-record-iter.js';
import { runBinAsync } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { startS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(root, 'examples');

/** Only the variables a test sets: the machine's own (a CI runner's Slurm, say) must not leak in. */
const NONE = { JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', SLURM_ARRAY_TASK_MIN: '', AWS_BATCH_JOB_ARRAY_INDEX: '', WORLD_SIZE: '', RANK: '' };

const s3 = await startS3(['datasets']);
const corpus = await makeCorpus({ count: 40, maxSide: 320, seed: 21 });
const images: string[] = (fs.readdirSync(corpus, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(corpus, f)).isFile());
for (const prefix of ['imagenet', 'slurm']) {
  for (const rel of images) await s3.put('datasets', `${prefix}/images/${rel.split(path.sep).join('/')}`, fs.readFileSync(path.join(corpus, rel)));
}

// One machine, local files: the reference every cluster run must equal.
const single = tempDir('mxrec-cluster-single-');
for (const args of [['--list', '--recursive'], ['--resize', '256', '--quality', '95']]) {
  const res = await runBinAsync('im2rec', [path.join(single, 'train'), corpus, ...args, '-q'], { env: NONE });
  assert.equal(res.status, 0, res.stderr);
}

async function assertSinglePack(prefix: string): Promise<void> {
  for (const name of ['train.rec', 'train.idx']) {
    const object = await s3.get('datasets', `${prefix}/${name}`);
    assert.ok(object, `${prefix}/${name}: not in the bucket`);
    assert.ok(object.equals(fs.readFileSync(path.join(single, name))), `${prefix}/${name}: not the single-machine pack`);
  }
}

const bins: Record<string, string> = { im2rec: path.join(root, 'bin/im2rec.cjs'), rec: path.join(root, 'bin/rec.cjs') };

/** Runs a container's command + args as the image would (im2rec and rec on its PATH). */
async function runContainer(container: { command: string[]; args: string[] }, env: Record<string, string>): Promise<void> {
  const [command, ...more] = [...container.command, ...container.args];
  assert.ok(command === 'im2rec' || command === 'rec', `expected im2rec or rec, received ${command}`);
  const res = await runBinAsync(command, more, { env: { ...NONE, ...s3.env, ...env } });
  assert.equal(res.status, 0, `${container.command} ${container.args.join(' ')}: ${res.stderr}`);
}

describe('examples/kubernetes/pack-job.yaml', () => {
  const jobs = YAML.parseAllDocuments(fs.readFileSync(path.join(examples, 'kubernetes/pack-job.yaml'), 'utf8')).map((d) => d.toJS());
  const step = (name: string) => {
    const job = jobs.find((j) => j.metadata?.labels?.step === name);
    assert.ok(job, `no Job labelled step=${name}`);
    assert.equal(job.kind, 'Job');
    assert.equal(job.apiVersion, 'batch/v1');
    const [container, ...others] = job.spec.template.spec.containers;
    assert.equal(others.length, 0);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    return { spec: job.spec, container };
  };

  test('list once, an Indexed Job of N pods with --part auto, then a merge of the N parts: the single-machine pack', async () => {
    const list = step('list');
    const pack = step('pack');
    const merge = step('merge');
    const n = pack.spec.completions as number;
    assert.equal(pack.spec.completionMode, 'Indexed');
    assert.equal(pack.spec.parallelism, n);
    const args = pack.container.args as string[];
    assert.equal(args[args.indexOf('--parts') + 1], String(n));
    assert.equal(args[args.indexOf('--part') + 1], 'auto');
    const parts = Array.from({ length: n }, (_, i) => `s3://datasets/imagenet/train.part${String(i).padStart(3, '0')}.rec`);
    assert.deepEqual(merge.container.args.slice(-n), parts, 'the merge joins every part, in order');

    await runContainer(list.container, {});
    // Kubernetes starts the pods together, each with its JOB_COMPLETION_INDEX.
    await Promise.all(Array.from({ length: n }, (_, i) => runContainer(pack.container, { JOB_COMPLETION_INDEX: String(i) })));
    await runContainer(merge.container, {});
    await assertSinglePack('imagenet');
  });

  test('the parts in the bucket read as one dataset: ImageRecordIter over all of them gives the merged file\'s batches', async () => {
    const parts = (await s3.keys('datasets', 'imagenet/train.part')).filter((k) => k.endsWith('.rec')).map((k) => `s3://datasets/${k}`);
    assert.equal(parts.length, 4);
    const batches = async (pathImgrec: string) => {
      const it = await ImageRecordIter.open({ pathImgrec, dataShape: [3, 64, 64], batchSize: 8, resize: 64, dtype: 'uint8', roundBatch: false });
      const out: string[] = [];
      for await (const b of it) out.push(`${b.label.join(',')}:${Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).toString('base64')}`);
      it.close();
      return out;
    };
    assert.deepEqual(await batches(parts.join(';')), await batches(path.join(single, 'train.rec')));
  });
});

describe('examples/slurm', () => {
  const script = (name: string) => fs.readFileSync(path.join(examples, 'slurm', name), 'utf8');
  /** The shell's PATH with im2rec and rec on it, as on a cluster where mxrec is installed. */
  const shims = tempDir('mxrec-shims-');
  for (const [name, bin] of Object.entries(bins)) {
    fs.writeFileSync(path.join(shims, name), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`, { mode: 0o755 });
  }
  const sbatch = (name: string, env: Record<string, string>) =>
    new Promise<void>((resolve, reject) => {
      const full = { ...process.env, ...NONE, ...s3.env, PATH: `${shims}:${process.env.PATH}`, DATA: 's3://datasets/slurm', ...env };
      execFile('bash', [path.join(examples, 'slurm', name)], { env: full, encoding: 'utf8' }, (err, _stdout, stderr) => (err ? reject(new Error(`${name}: ${stderr}`)) : resolve()));
    });

  test('submit.sh chains list → array → merge, each after the one before succeeded', () => {
    const text = script('submit.sh');
    assert.match(text, /list=\$\(sbatch --parsable [^)]*list\.sbatch\)/);
    assert.match(text, /pack=\$\(sbatch --parsable [^)]*--dependency="afterok:\$list" pack\.sbatch\)/);
    assert.match(text, /sbatch [^\n]*--dependency="afterok:\$pack" merge\.sbatch/);
  });

  test('list, the array\'s N tasks at once (SLURM_ARRAY_TASK_ID), merge: the single-machine pack', async () => {
    const array = /^#SBATCH --array=0-(\d+)$/m.exec(script('pack.sbatch'));
    assert.ok(array, 'pack.sbatch: expected #SBATCH --array=0-N');
    const n = Number(array[1]) + 1;
    assert.match(script('merge.sbatch'), new RegExp(`PARTS="\\$\\{PARTS:-${n}\\}"`), 'merge.sbatch: its default PARTS is the array size');
    await sbatch('list.sbatch', {});
    await Promise.all(Array.from({ length: n }, (_, i) => sbatch('pack.sbatch', { SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(n), SLURM_CPUS_PER_TASK: '2' })));
    await sbatch('merge.sbatch', {});
    await assertSinglePack('slurm');
  });
});

describe('examples/Dockerfile', () => {
  const text = fs.readFileSync(path.join(examples, 'Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.trim());

  test('slim Node LTS images; built as a packed package (its install compiles the addon); only what runs is kept', () => {
    const from = instructions.filter((l) => l.startsWith('FROM '));
    assert.equal(from.length, 2);
    for (const f of from) assert.match(f, /^FROM node:(22|24)-bookworm-slim\b/);
    const run = instructions.filter((l) => l.startsWith('RUN ')).join('\n');
    assert.match(run, /libjpeg62-turbo-dev/, 'the build stage has the headers the addon compiles against');
    assert.match(run, /npm ci && npm pack/);
    assert.match(run, /npm install --global --omit=dev \/tmp\/mxrec-\*\.tgz/);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    for (const [name, target] of Object.entries(pkg.bin)) {
      assert.ok(run.includes(`ln -s ../lib/node_modules/mxrec/${target.replace(/^\.\//, '')} /usr/local/bin/${name}`), `${name} on the PATH`);
    }
    const final = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(final, /libjpeg62-turbo\b(?!-dev)/, 'the runtime stage has the library, not the headers');
    assert.doesNotMatch(final, /g\+\+|-dev\b/);
    const ignored = fs.readFileSync(path.join(examples, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'build', 'dist', '.cache']) assert.ok(ignored.includes(entry), `${entry} not sent to the build`);
  });
});

// `--part auto`: the part comes from the scheduler that started the process
// (Kubernetes Indexed Jobs, Slurm arrays, AWS Batch arrays), so one command
// line serves every task; N processes with the scheduler's variable set pack
// exactly what N explicit --part runs pack.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { partFromScheduler } from '../../src/util/scheduler.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { makeCorpus } from '../helpers/corpus.js';
import { tempDir } from '../helpers/tmp.js';

/** Only the variables a test sets: the machine's own (a CI runner's Slurm, say) must not leak in. */
const NONE = { JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', SLURM_ARRAY_TASK_MIN: '', AWS_BATCH_JOB_ARRAY_INDEX: '', WORLD_SIZE: '', RANK: '' };

describe('the part from the environment', () => {
  test('each scheduler\'s variable, the first set winning; Slurm counted from its first task', () => {
    assert.equal(partFromScheduler(4, '--part', { ...NONE, JOB_COMPLETION_INDEX: '2' }), 2);
    assert.equal(partFromScheduler(4, '--part', { ...NONE, SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }), 3);
    assert.equal(partFromScheduler(4, '--part', { ...NONE, SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '4' }), 2);
    assert.equal(partFromScheduler(4, '--part', { ...NONE, AWS_BATCH_JOB_ARRAY_INDEX: '0' }), 0);
    assert.equal(partFromScheduler(4, '--part', { ...NONE, JOB_COMPLETION_INDEX: '1', AWS_BATCH_JOB_ARRAY_INDEX: '3' }), 1);
  });

  test('clear errors: none set, an index past the parts, a Slurm array of another size, not a number', () => {
    assert.throws(() => partFromScheduler(4, '--part', NONE), /^SchedulerError: --part auto: no scheduler says which part this is \(none of JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX is set\); pass --part 0\.\.3$/);
    assert.throws(() => partFromScheduler(4, '--part', { ...NONE, JOB_COMPLETION_INDEX: '4' }), /JOB_COMPLETION_INDEX is 4, expected 0\.\.3 for 4 parts/);
    assert.throws(() => partFromScheduler(4, 'part', { ...NONE, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '8' }), /part auto: the Slurm array has 8 tasks \(SLURM_ARRAY_TASK_COUNT\), expected one per part: 4/);
    assert.throws(() => partFromScheduler(4, '--part', { ...NONE, AWS_BATCH_JOB_ARRAY_INDEX: 'x' }), /AWS_BATCH_JOB_ARRAY_INDEX: expected a whole number, received "x"/);
  });
});

describe('im2rec --part auto', async () => {
  const corpus = await makeCorpus({ count: 20 });
  const dir = tempDir('mxrec-part-auto-');
  const prefix = path.join(dir, 'set');
  assert.equal(runBin('im2rec', [prefix, corpus, '--list', '--recursive', '-q']).status, 0);

  test('im2rec.py form: each task of a 3-part Indexed Job packs what --part I packs', () => {
    for (let i = 0; i < 3; i++) {
      const auto = path.join(dir, `auto${i}`);
      const explicit = path.join(dir, `explicit${i}`);
      for (const d of [auto, explicit]) {
        fs.mkdirSync(d);
        fs.copyFileSync(`${prefix}.lst`, path.join(d, 'set.lst'));
      }
      const a = runBin('im2rec', [path.join(auto, 'set'), corpus, '--parts', '3', '--part', 'auto', '--resize', '48', '-q'], { env: { ...NONE, JOB_COMPLETION_INDEX: String(i) } });
      assert.equal(a.status, 0, a.stderr);
      const e = runBin('im2rec', [path.join(explicit, 'set'), corpus, '--parts', '3', '--part', String(i), '--resize', '48', '-q'], { env: NONE });
      assert.equal(e.status, 0, e.stderr);
      const name = `set.part00${i}.rec`;
      assert.ok(fs.readFileSync(path.join(auto, name)).equals(fs.readFileSync(path.join(explicit, name))), name);
    }
  });

  test('im2rec.cc form: part=auto from a Slurm array task', () => {
    const lst = path.join(dir, 'cc.lst');
    fs.writeFileSync(lst, fs.readFileSync(`${prefix}.lst`, 'utf8').replace(/\t/g, ' '));
    const out = path.join(dir, 'cc.rec');
    const res = runBin('im2rec', [lst, `${corpus}/`, out, 'nsplit=2', 'part=auto', 'resize=48', '--quiet'], { env: { ...NONE, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2' } });
    assert.equal(res.status, 0, res.stderr);
    assert.ok(fs.existsSync(`${out}.part001`));
  });

  test('no scheduler in the environment: exit 2, one line naming the variables', () => {
    const res = runBin('im2rec', [prefix, corpus, '--parts', '3', '--part', 'auto'], { env: NONE });
    assert.equal(res.status, 2);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /^im2rec: --part auto: no scheduler says which part this is \(none of JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX is set\)/);
  });
});

describe("ImageRecordIter numParts / partIndex 'auto'", async () => {
  const { ImageRecordIter } = await import('../../src/iter/image-record-iter.js');
  const { resolveParts } = await import('../../src/util/scheduler.js');
  const { fixture } = await import('../helpers/fixtures.js');
  const rec = fixture('gray-glyphs/val.rec');

  async function ids(options: Record<string, unknown>): Promise<string[]> {
    const it = new ImageRecordIter({ pathImgrec: rec, dataShape: [1, 28, 28], batchSize: 16, roundBatch: false, ...options } as never);
    const out: string[] = [];
    for await (const b of it) out.push(...b.index.map(String));
    it.close();
    return out;
  }

  test('WORLD_SIZE and RANK, as torchrun sets them; without RANK, the scheduler\'s index', () => {
    const names = { count: 'numParts', index: 'partIndex', launcher: true };
    assert.deepEqual(resolveParts('auto', 'auto', names, { ...NONE, WORLD_SIZE: '4', RANK: '3' }), { count: 4, index: 3 });
    assert.deepEqual(resolveParts(4, 'auto', names, { ...NONE, JOB_COMPLETION_INDEX: '2' }), { count: 4, index: 2 });
    assert.deepEqual(resolveParts(2, 1, names, NONE), { count: 2, index: 1 });
    assert.throws(() => resolveParts('auto', 0, names, NONE), /numParts: 'auto' takes the number of parts from WORLD_SIZE, which is not set/);
    assert.throws(() => resolveParts('auto', 'auto', names, { ...NONE, WORLD_SIZE: '2', RANK: '2' }), /partIndex: 'auto': RANK is 2, expected 0\.\.1 for 2 parts/);
    // im2rec and rec dump read the scheduler only: RANK is a training launcher's.
    assert.deepEqual(resolveParts(4, 'auto', { count: '--parts', index: '--part' }, { ...NONE, RANK: '3', JOB_COMPLETION_INDEX: '1' }), { count: 4, index: 1 });
  });

  test('an iterator with auto parts reads what the explicit part reads', async () => {
    const saved = { WORLD_SIZE: process.env.WORLD_SIZE, RANK: process.env.RANK };
    try {
      Object.assign(process.env, { WORLD_SIZE: '3', RANK: '1' });
      const auto = await ids({ numParts: 'auto', partIndex: 'auto' });
      assert.ok(auto.length > 0);
      assert.deepEqual(auto, await ids({ numParts: 3, partIndex: 1 }));
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });

  test('rec iter --num-parts auto --part-index auto', () => {
    const res = runBin('rec', ['iter', rec, '--data-shape', '1,28,28', '--batch-size', '16', '--num-parts', 'auto', '--part-index', 'auto', '--no-round-batch', '--json'], { env: { ...NONE, WORLD_SIZE: '4', RANK: '0' } });
    assert.equal(res.status, 0, res.stderr);
    const all = runBin('rec', ['iter', rec, '--data-shape', '1,28,28', '--batch-size', '16', '--no-round-batch', '--json'], { env: NONE });
    const images = (r: { stdout: string }) => JSON.parse(r.stdout).images as number;
    assert.ok(images(res) > 0 && images(res) < images(all), `${images(res)} of ${images(all)}`);
    const bad = runBin('rec', ['iter', rec, '--data-shape', '1,28,28', '--batch-size', '16', '--num-parts', 'auto'], { env: { ...NONE, WORLD_SIZE: '' } });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^rec iter: --num-parts: 'auto' takes the number of parts from WORLD_SIZE, which is not set/);
  });
});

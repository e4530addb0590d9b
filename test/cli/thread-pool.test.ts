// bin/launch.cjs sizes libuv's thread pool, which runs the codec, for the
// command line (--num-thread, rec iter --threads, else the cores), before
// anything uses the pool; a size set later would be ignored.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { sizeThreadPool } = require(path.join(root, 'bin/launch.cjs')) as { sizeThreadPool: (argv: string[], env: Record<string, string | undefined>) => void };

test('the pool size follows --num-thread and --threads, at least libuv\'s 4 and at most its 1024; a size the user set stays', () => {
  const size = (argv: string[], env: Record<string, string | undefined> = {}) => {
    sizeThreadPool(argv, env);
    return env.UV_THREADPOOL_SIZE;
  };
  assert.equal(size(['iter', 'a.rec', '--threads', '12']), '12');
  assert.equal(size(['data/train', 'images/', '--num-thread=9']), '9');
  assert.equal(size(['--num-thread', '2']), '4');
  assert.equal(size(['--threads', '5000']), '1024');
  assert.equal(size(['--threads', 'x']), '4');
  assert.equal(size(['info', 'a.rec']), String(Math.max(4, os.availableParallelism())));
  assert.equal(size(['--threads', '12'], { UV_THREADPOOL_SIZE: '3' }), '3');
});

/**
 * How many pool threads a process started the launcher's way really has: it
 * blocks `fifos` threads on FIFOs nobody writes to, then asks for one more
 * job, which runs only if the pool is larger.
 */
function probe(threadsFlag: string, fifos: number): Promise<boolean> {
  const dir = tempDir('mxrec-pool-');
  const paths = Array.from({ length: fifos }, (_, i) => path.join(dir, `f${i}`));
  for (const p of paths) assert.equal(spawnSync('mkfifo', [p]).status, 0);
  const script = `
    const { sizeThreadPool } = require(${JSON.stringify(path.join(root, 'bin/launch.cjs'))});
    delete process.env.UV_THREADPOOL_SIZE;
    sizeThreadPool(['iter', 'x.rec', '--threads', ${JSON.stringify(threadsFlag)}]);
    import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)}).then(() => {
      const fs = require('node:fs');
      for (const p of ${JSON.stringify(paths)}) fs.open(p, 'r', () => {});
      setTimeout(() => { process.stdout.write('full'); process.kill(process.pid, 'SIGKILL'); }, 1000);
      fs.stat(__filename, () => { process.stdout.write('ran'); process.kill(process.pid, 'SIGKILL'); });
    });`;
  const file = path.join(dir, 'probe.cjs');
  fs.writeFileSync(file, script);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env: { ...process.env, UV_THREADPOOL_SIZE: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => resolve(out === 'ran'));
  });
}

test('a size set the launcher\'s way takes effect: --threads 8 gives more than 5 pool threads, the default 4 does not', async () => {
  assert.equal(await probe('8', 5), true);
  assert.equal(await probe('1', 5), false);
});

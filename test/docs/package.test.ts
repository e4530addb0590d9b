/**
 * What a stranger installs works: `npm pack`, the tarball installed into an
 * empty project without the network (its dependencies pinned by a lockfile
 * taken from the repository's, so npm finds every tarball in its cache), then
 * the two commands, a small pack read back, the library imported as ESM, and
 * its types resolving for a TypeScript user.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeCorpus } from '../helpers/corpus.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')} in ${cwd} failed:\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`);
  return res;
}

/** An empty project depending on the tarball, with the repository's own pins for the tarball's dependencies. */
function projectFor(tarball: string): string {
  const dir = path.join(tempDir('mxrec-install-'), 'project');
  fs.mkdirSync(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const spec = `file:${path.relative(dir, tarball)}`;
  const packages: Record<string, unknown> = {
    '': { name: 'user-project', version: '1.0.0', dependencies: { mxrec: spec } },
    'node_modules/mxrec': {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      hasInstallScript: true,
      dependencies: pkg.dependencies,
      engines: pkg.engines,
      bin: pkg.bin,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages as Record<string, { dev?: boolean }>)) {
    if (key !== '' && !entry.dev) packages[key] = entry;
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module', dependencies: { mxrec: spec } }, null, 2));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  return dir;
}

test('the packed package installs offline into an empty project: commands, a pack read back, ESM import and types', async () => {
  assert.ok(fs.existsSync(path.join(root, 'dist/index.js')), 'dist/ is built (npm test builds it first)');
  const packDir = tempDir('mxrec-pack-');
  // --ignore-scripts: dist/ was just built by npm test; prepack would build it again.
  const packed = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], root);
  const { filename, files } = (JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>)[0]!;
  const shipped = files.map((f) => f.path);
  assert.ok(shipped.includes('dist/index.js') && shipped.includes('dist/index.d.ts') && shipped.includes('scripts/install.mjs'));
  assert.deepEqual(shipped.filter((p) => /^(src|test|bench)\//.test(p)), [], 'sources, tests and benchmarks stay out of the package');

  const project = projectFor(path.join(packDir, filename));
  run(npm, ['ci', '--offline', '--no-audit', '--no-fund'], project);
  assert.ok(fs.existsSync(path.join(project, 'node_modules/mxrec/build/Release/mxrec_jpeg.node')), 'the install script built the addon');

  for (const bin of ['im2rec', 'rec']) {
    const help = run('npx', ['--no-install', bin, '--help'], project);
    assert.match(help.stdout, new RegExp(`Usage: ${bin}`));
  }
  await writeCorpus(path.join(project, 'images'), { count: 6, classes: 2, maxSide: 260, pngFraction: 0.3 });
  run('npx', ['--no-install', 'im2rec', 'data/set', 'images', '--list', '--recursive'], project);
  run('npx', ['--no-install', 'im2rec', 'data/set', 'images', '--resize', '64', '--quiet'], project);
  assert.match(run('npx', ['--no-install', 'rec', 'verify', 'data/set.rec', '--decode'], project).stdout, /OK: 6 records/);

  fs.writeFileSync(
    path.join(project, 'main.mjs'),
    `import { ImageRecordIter } from 'mxrec';
const iter = await ImageRecordIter.open({ pathImgrec: 'data/set.rec', dataShape: [3, 32, 32], batchSize: 3 });
let images = 0;
for await (const batch of iter) images += batch.label.length - batch.pad;
iter.close();
console.log(images);
`,
  );
  assert.equal(run(process.execPath, ['main.mjs'], project).stdout.trim(), '6');

  fs.writeFileSync(
    path.join(project, 'tiny.ts'),
    `import { ImageRecordIter, RecordReader, type RecordIORecord } from 'mxrec';
const reader: RecordReader = RecordReader.open('data/set.rec');
const first: RecordIORecord | undefined = [...reader][0];
const offset: number | undefined = first?.offset;
const iter: Promise<ImageRecordIter> = ImageRecordIter.open({ pathImgrec: 'data/set.rec', dataShape: [3, 32, 32], batchSize: 3 });
export { offset, iter };
`,
  );
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--typeRoots', path.join(root, 'node_modules/@types'), '--types', 'node', 'tiny.ts'], project);
});

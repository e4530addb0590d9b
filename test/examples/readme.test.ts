// The README's library examples, followed as a newcomer would (issue 29): the
// project packed with `npm pack`, the tarball installed into an empty folder
// the way docs/guides/install.md says for library use, then every ```js
// snippet of README.md (taken from the README here, not copied) run there in
// order, twice: a second run must work as the first did, with nothing on
// stderr. test/docs/docs.test.ts runs the same snippets inside the checkout;
// this one catches what only an install shows (a module the package does not
// give its user, a file the first run left behind).
//
// npm is asked to prefer its cache (the repository's `npm ci` filled it), so
// the registry is only reached for what it lacks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const QUIET = ['--no-audit', '--no-fund', '--prefer-offline'];

function run(cmd: string, args: string[], cwd: string) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')} in ${cwd} failed:\n${res.stdout.slice(-2000)}\n${res.stderr.slice(-2000)}`);
  return res;
}

/** The shell commands of install.md's library set-up, so the test follows the guide, not a copy of it. */
function installGuide(): string {
  return fs.readFileSync(path.join(root, 'docs/guides/install.md'), 'utf8').replace(/\s+/g, ' ');
}

test('the README examples run as written in an empty folder with the packed package installed, twice', { timeout: 180_000 }, () => {
  assert.ok(fs.existsSync(path.join(root, 'dist/index.js')), 'dist/ is built (npm test builds it first)');
  const guide = installGuide();
  assert.match(guide, /In a project of your own, `npm install \/path\/to\/mxrec` \(or the tarball `npm pack` makes/);
  assert.match(guide, /`npm install-scripts approve mxrec`/);

  const packDir = tempDir('mxrec-readme-pack-');
  // --ignore-scripts: dist/ is built already; prepack would build it again.
  const packed = run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], root);
  const tarball = path.join(packDir, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);

  const project = path.join(tempDir('mxrec-readme-'), 'my-project');
  fs.mkdirSync(project);
  run(npm, ['init', '-y'], project);
  run(npm, ['install', tarball, ...QUIET], project);
  run(npm, ['install-scripts', 'approve', 'mxrec'], project);
  const allowed = (JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }).allowScripts;
  assert.deepEqual(Object.values(allowed ?? {}), [true], `install-scripts approve recorded mxrec: ${JSON.stringify(allowed)}`);
  assert.ok(fs.existsSync(path.join(project, 'node_modules/mxrec/dist/index.js')));

  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(snippets.length >= 2, `found ${snippets.length} js snippets in README.md`);
  // Installed from a folder (`npm install /path/to/mxrec`, a link) mxrec's own dependencies are not
  // the project's: a snippet may import mxrec and Node's modules only, whatever a tarball install hoists.
  for (const [i, code] of snippets.entries()) {
    for (const [, name] of code.matchAll(/\bfrom\s+'([^']+)'/g)) assert.ok(name === 'mxrec' || name!.startsWith('node:'), `README snippet ${i + 1} imports ${name}`);
  }
  snippets.forEach((code, i) => fs.writeFileSync(path.join(project, `readme-${i + 1}.mjs`), code));

  const outputs: string[][] = [];
  for (const round of [1, 2]) {
    outputs.push(
      snippets.map((_, i) => {
        const res = spawnSync(process.execPath, [`readme-${i + 1}.mjs`], { cwd: project, encoding: 'utf8' });
        assert.equal(res.status, 0, `README snippet ${i + 1}, run ${round}: exit ${res.status}\n${res.stderr}`);
        assert.equal(res.stderr, '', `README snippet ${i + 1}, run ${round}: said on stderr`);
        assert.notEqual(res.stdout, '', `README snippet ${i + 1}, run ${round}: printed nothing`);
        return res.stdout;
      }),
    );
  }
  // The writing example is deterministic: its second run reads back what its first did.
  assert.equal(outputs[1]![0], outputs[0]![0]);
});

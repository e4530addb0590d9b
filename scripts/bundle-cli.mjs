#!/usr/bin/env node
// Bundles each command's compiled modules (dist/cli/im2rec.js, dist/cli/rec.js)
// into dist/bin/, which bin/launch.cjs starts when it is current. Why: Node's
// ES module loader resolves, reads (on libuv's pool) and links each of a
// command's ~80 modules one by one, a third of its start; bundled, they load
// at once (im2rec --help 0.31 -> 0.24 s, rec info 0.30 -> 0.25 s, measured on
// one core). Packages stay outside (sharp, the AWS SDK, commander...) and load
// from node_modules as before: the bundle holds only mxrec's own code. The
// bundler is esbuild (a devDependency); the TypeScript compiler still makes
// dist/ (the library, its types, the unbundled commands). Without esbuild (an
// install without devDependencies) nothing is bundled, and the commands start
// from dist/cli. install.mjs imports this file: no process.exit here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/bin');

/** Run as `npm run build`'s step (not imported by install.mjs): a failed bundle fails the build. */
const direct = process.argv[1] === fileURLToPath(import.meta.url);
const esbuild = await import('esbuild').catch(() => null);
if (!esbuild) {
  process.stderr.write('mxrec: esbuild is not installed: the commands start from dist/cli, unbundled\n');
} else {
  try {
    await bundle(esbuild);
  } catch (err) {
    // esbuild there but unable to run (its platform binary left out, say): an install still succeeds.
    fs.rmSync(out, { recursive: true, force: true });
    if (direct) throw err;
    process.stderr.write(`mxrec: could not bundle the commands (${String(err).split('\n')[0]}); they start from dist/cli, unbundled\n`);
  }
}

async function bundle({ build }) {
  fs.rmSync(out, { recursive: true, force: true }); // no chunks left from an earlier build
  const common = {
    absWorkingDir: root,
    // dist/bin/ is as deep as dist/cli/: paths made from import.meta.url (the addons, package.json) hold.
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20', // the oldest Node the package supports (engines)
    packages: 'external',
    logLevel: 'warning',
  };
  // im2rec runs all of its code: one file (--help 0.27 s in chunks, 0.24 s in one).
  await build({ ...common, entryPoints: { im2rec: 'dist/cli/im2rec.js' } });
  // rec loads only the command it runs (src/cli/rec.ts): each command a chunk, loaded when it runs.
  await build({ ...common, entryPoints: { rec: 'dist/cli/rec.js' }, splitting: true });
}

#!/usr/bin/env node
// Builds the addons (binding.gyp -> build/Release): mxrec_io, the reader
// threads of sequential scans, and mxrec_jpeg, the libjpeg-turbo codec, with
// the node-gyp that npm bundles. Runs as the package's `install` script.
// Both are optional: if they cannot build (no compiler, no libjpeg headers),
// this says so and exits 0; scans then read on the calling thread or libuv's
// pool and JPEGs go through sharp.
// `--strict` (npm run build:native) fails instead.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) {
    return process.env.npm_config_node_gyp;
  }
  const bundled = path.resolve(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  return fs.existsSync(bundled) ? bundled : null;
}

// Node installed from a distribution ships its headers next to the binary;
// pointing node-gyp there avoids a download (this machine has no internet).
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const nodeGyp = findNodeGyp();
let ok = false;
let why = 'node-gyp not found (it comes with npm)';
if (nodeGyp) {
  const r = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release', ...nodedirArgs()], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  ok = r.status === 0;
  why = (r.stderr + r.stdout).split('\n').filter((l) => /error|not found|No such/i.test(l)).slice(0, 5).join('\n');
}
// binding.gyp lists mxrec_io first, so it is built even where libjpeg's headers are missing.
const built = (name) => fs.existsSync(path.join(root, 'build/Release', `${name}.node`));
if (ok) {
  console.log('mxrec: built the addons: build/Release/mxrec_io.node (reader threads), build/Release/mxrec_jpeg.node (libjpeg-turbo)');
} else {
  if (!built('mxrec_io')) console.warn('mxrec: could not build the reader-thread addon; scans read on the calling thread or libuv\'s pool (slower).');
  console.warn(`mxrec: could not build the libjpeg-turbo addon; JPEGs will go through sharp (slower).\n${why}`);
  console.warn('mxrec: to get the fast paths: apt-get install g++ libjpeg62-turbo-dev, then npm rebuild mxrec');
  if (strict) process.exit(1);
}

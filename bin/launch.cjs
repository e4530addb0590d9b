// Where the installed commands start, in CommonJS on purpose. libuv's thread
// pool, which runs the image codec, takes its size from UV_THREADPOOL_SIZE
// when it is first used, and loading an ES module entry already uses it; a
// CommonJS entry is read synchronously, so this is the last moment the size
// can be set. Then the compiled CLI is loaded from dist/, with a clear
// message when the package has not been built.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** libuv's own default and ceiling. */
const POOL_DEFAULT = 4;
const POOL_MAX = 1024;

/** The threads a command line asks for: --num-thread (im2rec) or --threads (rec iter), else the cores. */
function requestedThreads(argv) {
  for (let i = 0; i < argv.length; i++) {
    for (const flag of ['--num-thread', '--threads']) {
      if (argv[i] === flag) return Number(argv[i + 1]);
      if (argv[i].startsWith(`${flag}=`)) return Number(argv[i].slice(flag.length + 1));
    }
  }
  return os.availableParallelism();
}

/** Sizes the pool for the command line, unless the user chose a size. */
function sizeThreadPool(argv, env = process.env) {
  if (env.UV_THREADPOOL_SIZE) return;
  const n = requestedThreads(argv);
  env.UV_THREADPOOL_SIZE = String(Number.isInteger(n) && n > 0 ? Math.min(Math.max(n, POOL_DEFAULT), POOL_MAX) : POOL_DEFAULT);
}

/**
 * dist/bin/NAME.js, the command's modules in one file (scripts/bundle-cli.mjs),
 * when it is there and no older than the compiled entry it was made from;
 * else that entry (a build without esbuild, or only tsc run since).
 */
function entryFile(name, compiled) {
  const bundle = path.join(path.dirname(compiled), '..', 'bin', `${name}.js`);
  try {
    return fs.statSync(bundle).mtimeMs >= fs.statSync(compiled).mtimeMs ? bundle : compiled;
  } catch {
    return compiled;
  }
}

/**
 * glibc's malloc set to keep freed memory for reuse (the io addon's
 * keepFreedMemory; see native/src/malloc_tuning.cc), before libuv's pool
 * threads make arenas of their own. Nothing without the addon.
 */
function keepFreedMemory(env = process.env) {
  if (env.MXREC_NO_NATIVE === '1') return;
  try {
    require(path.join(__dirname, '../build/Release/mxrec_io.node')).keepFreedMemory();
  } catch {
    // not built: malloc as it is
  }
}

async function launch(name, modulePath) {
  keepFreedMemory();
  sizeThreadPool(process.argv.slice(2));
  // The AWS SDK (loaded for s3:// only) warns on Node 20 about its releases after January 2027;
  // the commands' output is theirs, and the Node versions mxrec supports are in its docs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const file = entryFile(name, path.join(__dirname, modulePath));
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(file)) {
      process.stderr.write(`${name}: mxrec is not built (no ${file}); run \`npm run build\` (npm ci does it)\n`);
      process.exit(2);
    }
    throw err;
  }
  await mod.main(process.argv);
}

module.exports = { launch, sizeThreadPool, entryFile };

#!/usr/bin/env node
// The package's install script (npm runs it after installing the dependencies).
// In a checkout of the repository it first compiles the TypeScript into dist/,
// which the commands, the demo and the library import, and bundles each command
// (bundle-cli.mjs: the commands start faster); a packed package ships
// dist/ built (npm pack runs `prepack`) and has no sources to compile. Then it
// builds the native addons (build-native.mjs), which may fail without harm.
// One script rather than `prepare` + `install`: npm lists every lifecycle
// script of a package for approval, and an installed package needs only this.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
if (fs.existsSync(path.join(root, 'tsconfig.build.json')) && fs.existsSync(tsc)) {
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  await import('./bundle-cli.mjs');
}
await import('./build-native.mjs');

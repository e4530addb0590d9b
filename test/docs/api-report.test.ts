// The public API is what src/index.ts exports, and etc/mxrec.api.md (API
// Extractor's report) records it: a change to the surface fails here until
// `npm run api` updates the report, so every change shows in review.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const extractor = path.join(root, 'node_modules/.bin/api-extractor');
const report = path.join(root, 'etc/mxrec.api.md');

function run(config: string): { status: number | null; out: string } {
  const res = spawnSync(extractor, ['run', '--config', config], { cwd: root, encoding: 'utf8' });
  return { status: res.status, out: res.stdout + res.stderr };
}

test('etc/mxrec.api.md matches what src/index.ts exports (npm run api updates it)', () => {
  const { status, out } = run(path.join(root, 'api-extractor.json'));
  assert.equal(status, 0, out);
  assert.doesNotMatch(fs.readFileSync(report, 'utf8'), /ae-forgotten-export/, 'every type the API uses is exported');
});

test('a report that differs from the exports fails', () => {
  const dir = tempDir('mxrec-api-');
  const stale = fs.readFileSync(report, 'utf8').replace(/^export class ImageRecordIter\b.*$/m, 'export class ImageRecordIterRenamed {');
  fs.writeFileSync(path.join(dir, 'mxrec.api.md'), stale);
  const config = JSON.parse(fs.readFileSync(path.join(root, 'api-extractor.json'), 'utf8'));
  config.projectFolder = root;
  config.mainEntryPointFilePath = path.join(root, 'dist/index.d.ts');
  config.apiReport = { enabled: true, reportFolder: dir, reportTempFolder: path.join(dir, 'tmp') };
  fs.writeFileSync(path.join(dir, 'api-extractor.json'), JSON.stringify(config));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json')); // the report is named after it
  const { status, out } = run(path.join(dir, 'api-extractor.json'));
  assert.notEqual(status, 0, out);
  assert.match(out, /You have changed the (public )?API signature/);
});

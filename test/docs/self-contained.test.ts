/**
 * A clone stands on its own: no file of the project points outside the
 * repository (a sibling reference folder existed while the project was
 * built, and a clone elsewhere does not have it), and the fixtures the tests
 * read are in test/fixtures with their origin and licence, byte for byte the
 * blobs SOURCES.md names.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The project's files: what git tracks, plus what is about to be added. */
function projectFiles(): string[] {
  const res = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' });
  if (res.status === 0) return res.stdout.split('\0').filter(Boolean);
  // Not a git checkout (an unpacked tarball): walk it, as git would list it.
  const skip = new Set(['node_modules', 'dist', 'build', '.cache', '.git', 'bench/out', 'demo-output']);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip.has(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk('');
  return out;
}

test('no file of the project names a folder beside the repository', () => {
  const sibling = ['..', 'shared'].join('/'); // spelled apart, so that this file does not name it
  const naming = projectFiles().filter((rel) => {
    const bytes = fs.readFileSync(path.join(root, rel));
    return !bytes.includes(0) && bytes.toString('utf8').includes(sibling);
  });
  assert.deepEqual(naming, []);
});

test('every fixture SOURCES.md lists is in test/fixtures, byte for byte the blob it names', () => {
  const sources = fs.readFileSync(path.join(root, 'test/fixtures/SOURCES.md'), 'utf8');
  // "`file`: ... blob `sha1`" lines, and "| `file` | bytes | `sha1` |" table rows, under "## `folder/`" headings.
  let folder = '';
  const listed: Array<[string, string]> = [];
  for (const line of sources.split('\n')) {
    const heading = /^## `([^`]+)\/`/.exec(line);
    if (heading) folder = heading[1]!;
    const row = /^\s*(?:- |\| )`([^`]+\.(?:rec|idx|lst))`.*`([0-9a-f]{40})`/.exec(line);
    if (row) listed.push([`${folder}/${row[1]}`, row[2]!]);
  }
  assert.equal(listed.length, 6, `found ${listed.map(([f]) => f).join(', ')}`);
  for (const [rel, blob] of listed) {
    const bytes = fs.readFileSync(path.join(root, 'test/fixtures', rel));
    const id = crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    assert.equal(id, blob, rel);
  }
  assert.ok(fs.existsSync(path.join(root, 'test/fixtures/adaface-tiny/LICENSE')), 'the MIT licence travels with the MIT data');
});

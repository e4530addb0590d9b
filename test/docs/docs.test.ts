/**
 * The docs are real. The README starts with the two set-up commands and stays
 * short; every ```js snippet runs as it is, importing the package by its name
 * as a user would (the README's in one temporary folder; the guides' in
 * another, in GUIDE_ORDER, since later guides use files earlier ones made);
 * every relative link points at a file and a heading that exist.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const readme = read('README.md');
/** The guides whose snippets build on each other, in the order they run; the others follow. */
const GUIDE_ORDER = ['library.md', 'damaged-files.md', 'iterator.md', 'http.md', 'codec.md'];
const guides = fs.readdirSync(path.join(root, 'docs/guides')).filter((f) => f.endsWith('.md'));
const ordered = [...GUIDE_ORDER, ...guides.filter((g) => !GUIDE_ORDER.includes(g)).sort()];

const snippetsOf = (text: string) => [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Runs snippets in order in one folder; they live inside the package so that `import 'mxrec'` resolves to it. */
function runSnippets(snippets: { name: string; code: string }[]): void {
  const work = tempDir('mxrec-docs-');
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, 'build', 'docs-'));
  try {
    snippets.forEach(({ name, code }, i) => {
      const file = path.join(dir, `snippet-${i}.mjs`);
      fs.writeFileSync(file, code);
      const res = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8' });
      assert.equal(res.status, 0, `${name} failed:\n${code}\n${res.stderr}`);
      assert.notEqual(res.stdout, '', `${name} prints what it did`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('README starts with the two set-up commands, and stays a page (at most ~10 KB)', () => {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]!.trim());
  assert.deepEqual(blocks, ['npm ci && npm run demo', 'npm ci && npm test']);
  assert.ok(Buffer.byteLength(readme) <= 10_500, `README is ${Buffer.byteLength(readme)} bytes`);
});

test('every js snippet in the README runs', () => {
  const snippets = snippetsOf(readme);
  assert.ok(snippets.length >= 2, `found ${snippets.length} snippets`);
  runSnippets(snippets.map((code, i) => ({ name: `README snippet ${i + 1}`, code })));
});

test('every js snippet in the guides runs', () => {
  const snippets = ordered.flatMap((g) => snippetsOf(read(`docs/guides/${g}`)).map((code, i) => ({ name: `${g} snippet ${i + 1}`, code })));
  assert.ok(snippets.length >= 10, `found ${snippets.length} snippets`);
  runSnippets(snippets);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function headingsOf(text: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const m = !fence && /^#+ (.*)$/.exec(line);
    if (m) out.add(slug(m[1]!));
  }
  return out;
}

test('every relative link in the docs points at a file (and a heading) that exists', () => {
  const docs = ['README.md', 'ARCHITECTURE.md', ...guides.map((g) => `docs/guides/${g}`), ...fs.readdirSync(path.join(root, 'docs/cli')).map((f) => `docs/cli/${f}`)];
  const broken: string[] = [];
  for (const doc of docs) {
    for (const [, target] of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
      const [file, anchor] = target!.split('#') as [string, string | undefined];
      const resolved = file === '' ? path.join(root, doc) : path.resolve(path.dirname(path.join(root, doc)), file);
      if (!fs.existsSync(resolved)) broken.push(`${doc}: ${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !headingsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${doc}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

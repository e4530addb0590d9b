// Every ceiling is declared once, in src/io/limits.ts, and the limits table of
// docs/guides/safety-and-limits.md is generated from it (test/docs/generated.test.ts
// checks that the table is current). The rule here, in one sentence: outside
// src/io/limits.ts no constant named like a ceiling (…MAX_…) is set from a
// number, and no name limits.ts exports is declared anywhere else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as limits from '../../src/io/limits.js';
import { vipsCost } from '../../src/codec/decode-cost.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIMITS_FILE = 'src/io/limits.ts';

/** src/'s .ts files by path relative to the repository, limits.ts left out. */
function sources(): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    const file = path.join('src', rel).split(path.sep).join('/');
    if (file.endsWith('.ts') && file !== LIMITS_FILE) out.set(file, fs.readFileSync(path.join(root, file), 'utf8'));
  }
  return out;
}

/** `file:line: text` for each declaration that breaks the rule. */
function ceilingsOutsideLimits(files: ReadonlyMap<string, string>, declaredInLimits: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    text.split('\n').forEach((line, i) => {
      const m = /\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?(=\s*([^;]*))?/.exec(line);
      if (!m) return;
      const [, name, , value = ''] = m;
      const numeric = /MAX_/.test(name!) && /\b\d/.test(value);
      if (numeric || declaredInLimits.has(name!)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

const exported = new Set(Object.keys(limits));

test('no ceiling is declared outside src/io/limits.ts', () => {
  assert.deepEqual(ceilingsOutsideLimits(sources(), exported), []);
});

test('the rule catches a ceiling declared elsewhere, with a number or under a name limits.ts has', () => {
  const files = new Map([
    ['src/a.ts', 'const MAX_THINGS = 1 << 20;\nexport const DEFAULT_MAX_WIDGETS = 10_000;\n'],
    ['src/b.ts', 'export const MAX_SIDE = OTHER;\n'],
    ['src/c.ts', "import { MAX_LINE } from '../io/limits.js';\nconst LIMIT = MAX_LINE;\nconst MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);\n"],
  ]);
  assert.deepEqual(ceilingsOutsideLimits(files, exported), [
    'src/a.ts:1: const MAX_THINGS = 1 << 20;',
    'src/a.ts:2: export const DEFAULT_MAX_WIDGETS = 10_000;',
    'src/b.ts:1: export const MAX_SIDE = OTHER;',
  ]);
});

test("the guide's limits table is all between the generated markers", () => {
  const guide = fs.readFileSync(path.join(root, 'docs/guides/safety-and-limits.md'), 'utf8');
  const section = guide.slice(guide.indexOf('## Limits'));
  const start = section.indexOf('<!-- limits:start -->');
  const end = section.indexOf('<!-- limits:end -->');
  assert.ok(start > 0 && end > start, 'the markers');
  const rowsOutside = (section.slice(0, start) + section.slice(end)).split('\n').filter((line) => line.startsWith('|'));
  assert.deepEqual(rowsOutside, []);
  assert.equal(section.slice(start, end).split('\n').filter((line) => line.startsWith('| ')).length, limits.LIMITS.length + 1, 'a row per LIMITS entry, and the header');
});

test("the decode budget's examples are the sides decode-cost.ts allows at the default budget", () => {
  const row = limits.LIMITS[0]!;
  assert.equal(row.value, '1 GiB');
  const m = /a WebP up to about (\d+)², a GIF (\d+)², AVIF\/HEIF (\d+)²/.exec(row.bounds);
  assert.ok(m, row.bounds);
  const budget = limits.DEFAULT_DECODE_BUDGET;
  const largestSide = (format: string) => {
    const cost = (side: number) => vipsCost({ format, width: side, height: side, bands: 3, bytesPerSample: 1 });
    const side = Math.floor(Math.sqrt(budget / cost(1)));
    assert.ok(cost(side) <= budget && cost(side + 1) > budget);
    return side;
  };
  assert.equal(Number(m[1]), largestSide('webp'));
  assert.equal(Number(m[2]), largestSide('gif'));
  // Rounded in the guide ("about"): within 1%.
  for (const format of ['avif', 'heif']) assert.ok(Math.abs(Number(m[3]) / largestSide(format) - 1) < 0.01, `${m[3]} against ${largestSide(format)}`);
});

test("SDK_ATTEMPTS is the AWS SDK's own default, which nothing here sets", async () => {
  delete process.env.AWS_MAX_ATTEMPTS;
  process.env.AWS_CONFIG_FILE = path.join(root, 'no-such-aws-config');
  const { loadSdk } = await import('../../src/io/remote/s3.js');
  const { client } = await loadSdk();
  assert.equal(await client.config.maxAttempts(), limits.SDK_ATTEMPTS);
});

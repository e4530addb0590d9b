// Text files a piece at a time: the same lines whatever the piece boundaries
// ('\n', '\r\n' and a lone '\r' split anywhere, a last line without an end),
// and the ceilings: a file over its size cap, a line over MAX_LINE.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LimitError } from '../../src/io/limits.js';
import { LineSplitter, readLinesSync } from '../../src/io/text-lines.js';
import { MAX_LINE } from '../../src/io/limits.js';
import { tempDir } from '../helpers/tmp.js';

function linesOf(pieces: Buffer[]): [number, string][] {
  const out: [number, string][] = [];
  const splitter = new LineSplitter((bytes, start, end, line) => out.push([line, bytes.toString('utf8', start, end)]), 'x');
  for (const piece of pieces) splitter.push(piece);
  splitter.end();
  return out;
}

test('the same lines however the file is cut into pieces', () => {
  const text = Buffer.from('a\tb\r\nc\rd\n\n e \r\r\nlast');
  const whole = linesOf([text]);
  assert.deepEqual(whole, [[1, 'a\tb'], [2, 'c'], [3, 'd'], [4, ''], [5, ' e '], [6, ''], [7, 'last']]);
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j++) {
      assert.deepEqual(linesOf([text.subarray(0, i), text.subarray(i, j), text.subarray(j)]), whole, `cut at ${i} and ${j}`);
    }
  }
});

test('a file over its cap is refused before it is read; a line over MAX_LINE is an error', () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.idx');
  fs.writeFileSync(file, '0\t0\n1\t8\n');
  assert.throws(() => readLinesSync(file, () => {}, { maxBytes: 4, maxBytesOption: 'raise it so' }), (err: Error) => err instanceof LimitError && err.message === `${file}: 8 bytes, more than the 4 read at most (raise it so)`);
  fs.writeFileSync(file, `0\t0\n${'7'.repeat(MAX_LINE + 10)}\n`);
  assert.throws(() => readLinesSync(file, () => {}, { maxBytes: 1 << 30, maxBytesOption: '' }), /x\.idx:2: a line longer than 1048576 bytes/);
});

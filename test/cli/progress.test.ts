/** The terminal progress bar: drawn once the total is known, never as "100% | 0/0" before it. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createProgress } from '../../src/cli/progress.js';

test('a terminal bar appears with its first known total, not as 100% of nothing', async () => {
  let text = '';
  const tty = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
  ) as unknown as NodeJS.WriteStream;
  const progress = createProgress('rec info', { quiet: false, stream: tty, unit: 'bytes' });
  progress.update(0, 0); // what a scan says before it knows the file's size
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.doesNotMatch(text, /100%/);
  progress.update(5e6, 10e6);
  await new Promise((resolve) => setTimeout(resolve, 250));
  progress.stop();
  assert.match(text, /rec info \[.*\] 50% \| 5\/10 MB/);
  assert.doesNotMatch(text, /100% \| 0\/0/);
});

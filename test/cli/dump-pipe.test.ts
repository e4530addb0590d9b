// `rec dump FILE | head -3` (the command line guide's example) on a 2 M-record file ends as
// soon as head does, with memory flat: stdout is written with backpressure and
// a reader that goes away is noticed at the next write.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { tempDir } from '../helpers/tmp.js';

test('rec dump | head -3 on 2 M records: ends at once, exit 0, memory flat', async () => {
  const dir = tempDir('mxrec-dump-pipe-');
  const rec = path.join(dir, 'many.rec');
  const w = RecordWriter.create(rec, { fsync: false });
  const image = Buffer.from('tiny');
  for (let i = 0; i < 2_000_000; i++) w.write(packImageRecord({ label: i % 10, id: i }, image));
  w.close();

  const rssFile = path.join(dir, 'rss');
  const bin = path.resolve('bin/rec.cjs');
  const hook = path.resolve('test/helpers/peak-rss.mjs');
  const started = performance.now();
  const child = spawn('sh', ['-c', `'${process.execPath}' --import '${hook}' '${bin}' dump '${rec}' | head -3`], {
    env: { ...process.env, MXREC_TEST_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  await new Promise((r) => child.on('exit', r));
  const seconds = (performance.now() - started) / 1000;
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 3, stdout);
  assert.deepEqual(lines.map((l) => JSON.parse(l).id), [0, 1, 2]);
  assert.equal(stderr, '', 'nothing on stderr, no EPIPE trace');
  assert.ok(seconds < 5, `took ${seconds.toFixed(1)} s`);
  const peakMiB = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
  assert.ok(peakMiB < 200, `peak RSS ${peakMiB.toFixed(0)} MiB`);
});

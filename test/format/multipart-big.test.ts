// A record of 200 MB stored in 51,201 parts of 4 KB (its payload holds the
// magic every 4 KB): read in linear time and about its own size in memory,
// sync and async, with and without buffer reuse. Before, each read re-joined
// the record from its start: 11 s and 842 MB for 205 MB. A record over
// maxRecordBytes is a RECORD_TOO_LARGE error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { RecordIOError } from '../../src/format/errors.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-multipart-');
const file = path.join(dir, 'big.rec');
const MB = 200;
const digest = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
let bodyDigest = '';
{
  const body = Buffer.alloc(MB << 20, 1);
  const magic = Buffer.from([0x0a, 0x23, 0xd7, 0xce]);
  for (let at = 0; at + 4 <= body.length; at += 4096) magic.copy(body, at);
  for (let at = 7; at < body.length; at += 65537) body[at] = at & 0xff; // so that misplaced bytes show
  bodyDigest = digest(body);
  const w = RecordWriter.create(file, { fsync: false });
  w.write(Buffer.from('before'));
  w.write(body);
  w.write(Buffer.from('after'));
  w.close();
}

test('a 200 MB record of 4 KB parts: linear time, about its own size in memory', () => {
  const script = `
    import { createHash } from 'node:crypto';
    import { RecordReader } from ${JSON.stringify(path.resolve('src/format/reader.ts'))};
    const [file, mode] = process.argv.slice(1);
    const baseMiB = process.memoryUsage().rss / 2 ** 20; // the process itself, before any reading
    const started = process.cpuUsage();
    const reader = RecordReader.open(file);
    const sizes = [];
    const digest = (b) => createHash('sha256').update(b).digest('hex');
    const take = (r) => { sizes.push([r.payload.length, r.parts, digest(r.payload)]); };
    if (mode === 'async') for await (const r of reader.scan()) take(r);
    else for (const r of reader.scan({ reuseBuffers: mode === 'reuse' })) take(r);
    reader.close();
    console.log(JSON.stringify({ sizes, seconds: (() => { const u = process.cpuUsage(started); return (u.user + u.system) / 1e6; })(), baseMiB, peakMiB: process.resourceUsage().maxRSS / 1024 }));
  `;
  for (const mode of ['sync', 'async', 'reuse']) {
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file, mode], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const { sizes, seconds, baseMiB, peakMiB } = JSON.parse(res.stdout);
    assert.deepEqual(sizes, [[6, 1, digest('before')], [MB << 20, 51201, bodyDigest], [5, 1, digest('after')]], mode);
    // CPU seconds, not wall time: a loaded machine slows the wall clock, not the work. Joining the parts
    // in quadratic time would take minutes; linear takes about a second.
    assert.ok(seconds < 10, `${mode}: ${seconds.toFixed(2)} CPU s`);
    // The record plus read buffers and what the collector has not yet freed: 1.2-1.5x here on Node 20
    // to 24, varying with when it runs. Joining the pieces at the end took 2.2x, and more.
    assert.ok(peakMiB - baseMiB < 1.75 * MB, `${mode}: peak RSS ${peakMiB.toFixed(0)} MiB, ${baseMiB.toFixed(0)} MiB before reading`);
  }
});

test('a record larger than maxRecordBytes: RECORD_TOO_LARGE at its start; with recover, stepped over', () => {
  const reader = RecordReader.open(file);
  try {
    assert.throws(
      () => [...reader.scan({ maxRecordBytes: 1 << 20 })],
      (err: Error) => err instanceof RecordIOError && err.code === 'RECORD_TOO_LARGE' && err.offset === 16 && /more than the 1048576 bytes read at most/.test(err.message),
    );
    const kept = [...reader.scan({ maxRecordBytes: 1 << 20, recover: true })].map((r) => r.payload.toString());
    assert.deepEqual(kept, ['before', 'after']);
  } finally {
    reader.close();
  }
});

// Servers that misbehave, on 127.0.0.1: an endless body, more bytes than asked,
// a body trickling at a byte a second, 503 then fine, 429 with Retry-After, a
// file that changes without the server honouring If-Range, an endless .idx, a
// server that goes quiet before answering or after a few bytes of each answer.
// Each read ends in bounded time and memory, with a clear error or the right
// bytes; what the server managed to send is counted as a check on memory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import path from 'node:path';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordIndex } from '../../src/format/index-file.js';
import { RecordReader } from '../../src/format/reader.js';
import { RecordWriter } from '../../src/format/writer.js';
import { HttpError, HttpSource } from '../../src/io/remote/http-source.js';
import { isOneLineError, runBinMeasured } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-hostile-');
const recPath = path.join(dir, 'ok.rec');
{
  const w = RecordWriter.create(recPath, { indexPath: path.join(dir, 'ok.idx') });
  for (let i = 0; i < 50; i++) w.write(packImageRecord({ label: i, id: i }, Buffer.alloc(3000 + i, i)), i);
  w.close();
}
const rec = fs.readFileSync(recPath);

type Route = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

/** Serves `rec` honestly: ranges, ETag "v1". */
function honest(req: http.IncomingMessage, res: http.ServerResponse, etag = '"v1"', body: Buffer = rec): void {
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (!m) return void res.writeHead(200, { 'content-length': body.length, etag }).end(body);
  const start = Number(m[1]);
  const end = Math.min(m[2] ? Number(m[2]) : body.length - 1, body.length - 1);
  res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1, etag }).end(body.subarray(start, end + 1));
}

/** Writes `chunk` forever (until the client goes), counting the bytes sent. */
function endless(res: http.ServerResponse, chunk: Buffer, sent: { bytes: number }): void {
  const more = () => {
    while (!res.destroyed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
  };
  res.on('error', () => {});
  more();
}

const sent = { bytes: 0 };
const routes: Record<string, Route> = {
  // 206 for bytes=0-0, and then a body that never ends.
  '/endless.rec': (_req, res) => {
    res.writeHead(206, { 'content-range': `bytes 0-0/${rec.length}`, etag: '"v1"' });
    endless(res, Buffer.alloc(1 << 16, 7), sent);
  },
  // Honest for the first byte; every later range comes with 1 MiB more than asked.
  '/surplus.rec': (req, res, n) => {
    if (n === 1) return honest(req, res);
    const start = Number(/^bytes=(\d+)-/.exec(req.headers.range ?? '')![1]);
    res.writeHead(206, { 'content-range': `bytes ${start}-${rec.length - 1}/${rec.length}`, etag: '"v1"' });
    endless(res, Buffer.alloc(1 << 16, 1), sent);
  },
  // Honest for the first byte; then a byte a second.
  '/slow.rec': (req, res, n) => {
    if (n === 1) return honest(req, res);
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!;
    res.writeHead(206, { 'content-range': `bytes ${m[1]}-${m[2]}/${rec.length}`, etag: '"v1"' });
    const timer = setInterval(() => res.write(Buffer.from([0])), 1000);
    res.on('close', () => clearInterval(timer));
  },
  // Honest for the first byte; then never answers (no status line, no headers).
  '/mute.rec': (req, res, n) => (n === 1 ? honest(req, res) : undefined),
  // Honest for the first byte; then headers and a few bytes, and silence.
  '/stalls.rec': (req, res, n) => {
    if (n === 1) return honest(req, res);
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')!;
    res.writeHead(206, { 'content-range': `bytes ${m[1]}-${m[2]}/${rec.length}`, etag: '"v1"' });
    res.write(rec.subarray(Number(m[1]), Number(m[1]) + 10));
  },
  // 503 for the second request, then fine.
  '/flaky.rec': (req, res, n) => (n === 2 ? void res.writeHead(503).end('busy') : honest(req, res)),
  // 429 asking for a second's pause on the second request, then fine.
  '/busy.rec': (req, res, n) => (n === 2 ? void res.writeHead(429, { 'retry-after': '1' }).end() : honest(req, res)),
  // Ignores If-Range and changes its ETag (and content) after the first request.
  '/changing.rec': (req, res, n) => honest(req, res, n === 1 ? '"v1"' : '"v2"', n === 1 ? rec : Buffer.from(rec).fill(9, 100)),
  // An .idx that claims 4 GB (read whole: one GET, its Content-Length the size).
  '/huge.idx': (_req, res) => {
    res.writeHead(200, { 'content-length': String(4 * 2 ** 30) });
    res.on('error', () => {});
    res.write('0');
  },
  // An .idx whose body does not end, and says no size (chunked).
  '/endless.idx': (_req, res) => {
    res.writeHead(200);
    endless(res, Buffer.from('0\t0\n'.repeat(4096)), sent);
  },
  '/always-503.rec': (_req, res) => void res.writeHead(503).end(),
};

let server: http.Server;
let base: string;
const counts = new Map<string, number>();
before(async () => {
  server = http.createServer((req, res) => {
    const route = routes[req.url!];
    if (!route) return void res.writeHead(404).end();
    const n = (counts.get(req.url!) ?? 0) + 1;
    counts.set(req.url!, n);
    route(req, res, n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** Reads the whole file through a HttpSource, as a scan does. */
async function readAll(url: string, options = {}): Promise<Buffer> {
  const reader = await RecordReader.openAsync(url, options);
  try {
    const payloads: Buffer[] = [];
    for await (const r of reader.scan()) payloads.push(Buffer.from(r.payload));
    return Buffer.concat(payloads);
  } finally {
    reader.close();
  }
}

const local = Buffer.concat([...RecordReader.open(rec)].map((r) => Buffer.from(r.payload)));

describe('a misbehaving server cannot make a reader hold more than it asked for, or wait forever', () => {
  test('an endless body after bytes=0-0: one line, exit 2, at once; the body is not read', async () => {
    sent.bytes = 0;
    const res = await runBinMeasured('rec', ['info', `${base}/endless.rec`, '--no-index'], { timeoutMs: 30_000 });
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /endless\.rec: the server sent more than the 1 bytes asked for/);
    assert.ok(res.seconds < 10, `${res.seconds} s`);
    assert.ok(res.peakRssMiB < 300, `${res.peakRssMiB} MiB`);
    assert.ok(sent.bytes < 64 << 20, `the server got ${sent.bytes} bytes out`);
  });

  test('a range answered with more than asked: an error, the surplus not read', async () => {
    sent.bytes = 0;
    await assert.rejects(readAll(`${base}/surplus.rec`), (err: Error) => err instanceof HttpError && /sent more than the \d+ bytes asked for/.test(err.message));
    assert.ok(sent.bytes < 64 << 20, `the server got ${sent.bytes} bytes out`);
  });

  test('a body at a byte a second: cut off by the minimum rate, retried a bounded number of times', async () => {
    const started = performance.now();
    await assert.rejects(
      readAll(`${base}/slow.rec`, { timeoutMs: 1500, minBytesPerSecond: 1000, retries: 1, retryDelayMs: 10 }),
      (err: Error) => err instanceof HttpError && /failed after 2 attempts: .*slower than the 1000 bytes\/s asked for/.test(err.message),
    );
    assert.ok(performance.now() - started < 6000, `${performance.now() - started} ms`);
    // The deadline alone ends it too, whatever the rate.
    await assert.rejects(readAll(`${base}/slow.rec`, { deadlineMs: 300, minBytesPerSecond: 0, retries: 0 }), /not finished after 300 ms/);
  });

  test('a server that goes quiet, before its answer or in the middle of a body: cut off after timeoutMs, retried a bounded number of times', async () => {
    const quick = { timeoutMs: 200, retries: 1, retryDelayMs: 1 };
    await assert.rejects(readAll(`${base}/mute.rec`, quick), (err: Error) => err instanceof HttpError && /failed after 2 attempts: no data for 200 ms/.test(err.message));
    await assert.rejects(readAll(`${base}/stalls.rec`, quick), (err: Error) => err instanceof HttpError && /failed after 2 attempts: no data for 200 ms/.test(err.message));
    assert.equal(counts.get('/mute.rec'), 3);
  });

  test('503 once, then fine: retried, and the bytes are right', async () => {
    assert.ok((await readAll(`${base}/flaky.rec`)).equals(local));
    assert.equal(counts.get('/flaky.rec'), 3, 'the 503 was asked again');
  });

  test('429 with Retry-After: 1 waits that long, then reads', async () => {
    const started = performance.now();
    assert.ok((await readAll(`${base}/busy.rec`, { retryDelayMs: 10 })).equals(local));
    assert.ok(performance.now() - started >= 950, `waited ${performance.now() - started} ms`);
  });

  test('a file that changes on a server ignoring If-Range: an error, never a mix', async () => {
    await assert.rejects(readAll(`${base}/changing.rec`), /changed on the server while it was being read \(its ETag went from "v1" to "v2"\)/);
  });

  test('an .idx too large, or one whose body does not end: refused, bounded', async () => {
    await assert.rejects(RecordIndex.read(`${base}/huge.idx`), /huge\.idx: 4294967296 bytes, more than the 1073741824 read at most/);
    sent.bytes = 0;
    await assert.rejects(RecordIndex.read(`${base}/endless.idx`), /endless\.idx: expected a Content-Length header with the size/);
    assert.ok(sent.bytes < 64 << 20, `the server got ${sent.bytes} bytes out`);
  });

  test('giving up after 5xx: the URL once in the message', async () => {
    await assert.rejects(HttpSource.open(`${base}/always-503.rec`, { retries: 1, retryDelayMs: 1 }), (err: Error) => {
      assert.equal(err.message, `${base}/always-503.rec: reading from byte 0 failed after 2 attempts: HTTP 503 Service Unavailable`);
      return true;
    });
  });
});

/**
 * A store that behaves like a real one, for the tests and the bench: an HTTP
 * proxy on 127.0.0.1 in front of a loopback S3 server (s3rver) that holds each
 * response's first byte until `latencyMs` after its request arrived whole, as
 * S3 answers a GET after 10-50 ms, and caps each client connection at
 * `bytesPerSec` in each direction, as S3 streams a connection at around
 * 100 MB/s. Loopback answers in microseconds and streams at GB/s, which hides
 * what a client does with requests in flight; through this it cannot.
 *
 * Requests are forwarded as they came (the Host header too, so SigV4
 * signatures still hold); hop-by-hop headers are dropped on both sides.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { Transform, type TransformCallback, pipeline } from 'node:stream';

export interface LatencyProxyOptions {
  /** Time to first byte of each response, from the end of its request. Default 30 ms. */
  latencyMs?: number;
  /** Each connection's rate, each way. Default 100 MB/s. */
  bytesPerSec?: number;
}

export interface LatencyProxy {
  /** The proxy's URL: the endpoint to give the client instead of the server's. */
  endpoint: string;
  latencyMs: number;
  bytesPerSec: number;
  /** Requests answered so far. */
  readonly requests: number;
  /** The most requests open at once: of any method, or of one (`PUT`: an upload's parts). */
  mostInFlight(method?: string): number;
  close(): Promise<void>;
}

/** Headers that describe one hop's connection, not the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** One connection's rate, shared by everything it carries in one direction: the time its bytes so far may have left by. */
class Pace {
  private due = 0;
  constructor(private readonly bytesPerSec: number) {}

  /** Milliseconds to wait before `bytes` more may go. */
  delayFor(bytes: number): number {
    const now = performance.now();
    this.due = Math.max(this.due, now) + (bytes / this.bytesPerSec) * 1000;
    const early = this.due - now;
    // Short waits add up and are taken together: timers are not finer than a millisecond.
    return early >= 4 ? early : 0;
  }
}

/** Passes chunks on no faster than `pace` allows (backpressure holds the source meanwhile). */
function paced(pace: Pace): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const wait = pace.delayFor(chunk.length);
      if (wait === 0) done(null, chunk);
      else setTimeout(() => done(null, chunk), wait);
    },
  });
}

/** Starts a proxy to `upstream` (http://127.0.0.1:PORT); close() stops it and its connections. */
export async function startLatencyProxy(upstream: string, o: LatencyProxyOptions = {}): Promise<LatencyProxy> {
  const latencyMs = o.latencyMs ?? 30;
  const bytesPerSec = o.bytesPerSec ?? 100e6;
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const paces = new WeakMap<Socket, { up: Pace; down: Pace }>();
  let requests = 0;
  const inFlight = new Map<string, number>();
  const most = new Map<string, number>();
  const count = (key: string, by: number) => {
    const now = (inFlight.get(key) ?? 0) + by;
    inFlight.set(key, now);
    most.set(key, Math.max(most.get(key) ?? 0, now));
  };

  const server = http.createServer((req, res) => {
    for (const key of ['', req.method!]) count(key, 1);
    res.once('close', () => {
      for (const key of ['', req.method!]) count(key, -1);
      requests++;
    });
    let pace = paces.get(req.socket);
    if (!pace) paces.set(req.socket, (pace = { up: new Pace(bytesPerSec), down: new Pace(bytesPerSec) }));
    const { up, down } = pace;
    let arrived = performance.now();
    const forward = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: endToEnd(req.headers), agent },
      (answer) => {
        setTimeout(() => {
          res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
          pipeline(answer, paced(down), res, () => {});
        }, Math.max(0, arrived + latencyMs - performance.now()));
      },
    );
    forward.once('error', () => res.destroy());
    req.once('end', () => (arrived = performance.now()));
    pipeline(req, paced(up), forward, (err) => {
      if (err) forward.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    latencyMs,
    bytesPerSec,
    get requests() {
      return requests;
    },
    mostInFlight: (method = '') => most.get(method) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/**
 * A static file server on loopback for the remote-reading tests, with the
 * faults remote reading must survive: it can cut responses off part-way
 * (`dropEvery`), ignore Range (`ranges: false`), send readers elsewhere
 * (`redirect`), and it counts requests, those that carried credentials and
 * the most it served at once.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ServerOptions {
  /** Cut off every n-th ranged response of more than one byte (1: all of them)... */
  dropEvery?: number;
  /** ...after half its bytes (default), or before any. */
  cutAt?: 'half' | 'start';
  /** Cut off every whole-file answer (a GET without Range) after half its bytes... */
  dropWhole?: boolean;
  /** ...or every n-th of them, from the first (2: the first, the third...). */
  dropWholeEvery?: number;
  /** Serve byte ranges (default true). */
  ranges?: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
  /** Answer paths under `from` (`/moved/`) with a 302 to `to` (a path or a URL) followed by the rest of the path. */
  redirect?: { from: string; to: string };
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `authorized`: requests with an Authorization header. */
  stats: { requests: number; drops: number; active: number; maxActive: number; authorized: number };
  close(): Promise<void>;
}

function etagOf(file: string): string {
  const st = fs.statSync(file);
  return `"${crypto.createHash('sha1').update(`${st.size}-${st.mtimeMs}-${st.ino}`).digest('hex').slice(0, 16)}"`;
}

export async function serveDir(dir: string, options: ServerOptions = {}): Promise<TestServer> {
  const stats = { requests: 0, drops: 0, active: 0, maxActive: 0, authorized: 0 };
  let ranged = 0;
  let whole = 0;
  const handler: http.RequestListener = (req, res) => {
    stats.requests += 1;
    stats.active += 1;
    stats.maxActive = Math.max(stats.maxActive, stats.active);
    res.on('close', () => (stats.active -= 1));
    if (req.headers.authorization !== undefined) stats.authorized += 1;
    if (options.redirect && req.url!.startsWith(options.redirect.from)) {
      res.writeHead(302, { location: options.redirect.to + req.url!.slice(options.redirect.from.length) }).end('moved');
      return;
    }
    const file = path.join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const bytes = fs.readFileSync(file);
    const etag = etagOf(file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (options.ranges === false || !range || (ifRange !== undefined && ifRange !== etag)) {
      res.writeHead(200, { 'content-length': bytes.length, etag });
      const drop = req.method !== 'HEAD' && (options.dropWhole || (options.dropWholeEvery !== undefined && whole++ % options.dropWholeEvery === 0));
      if (drop) {
        stats.drops += 1;
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
        return;
      }
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
    if (start >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start, end + 1);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': body.length, 'accept-ranges': 'bytes', etag });
    if (req.method === 'HEAD') return void res.end();
    if (body.length > 1 && options.dropEvery && ++ranged % options.dropEvery === 0) {
      stats.drops += 1;
      res.write(body.subarray(0, options.cutAt === 'start' ? 0 : body.length >> 1), () => res.destroy());
      return;
    }
    res.end(body);
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    stats,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

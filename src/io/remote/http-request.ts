/**
 * One HTTP(S) request, for HttpSource: node:http and node:https over their
 * keep-alive global agents, redirects followed.
 *
 * Why not fetch: a scan or an iterator asks for thousands of ranges, and
 * fetch's web streams cost more than the bytes: timed against node:http on
 * loopback (client CPU per small range, and for a whole scan), it took more
 * than twice the CPU per request (docs/guides/performance.md, "Buckets"). On
 * one core shared with decoding, that CPU is images not decoded.
 *
 * The answer is node's IncomingMessage, its body not read: it waits, paused,
 * until read (readBody in http-source.ts) or dropped (discard).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { MAX_REDIRECTS } from '../limits.js';

export type HttpAnswer = IncomingMessage;

/** What may stop a request part-way (a timeout): the hook destroys it; the function returned unregisters the hook. */
export interface Stoppable {
  onStop(hook: (reason: Error) => void): () => void;
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers: Record<string, string>;
  /** Stops the request until its answer's headers arrive (the body is the reader's to stop). */
  attempt: Stoppable;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** An error with the code of the failure (ECONNRESET, ERR_TOO_MANY_REDIRECTS...), as node's own errors carry it. */
function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function sendOnce(url: URL, init: RequestOptions): Promise<IncomingMessage> {
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!transport) return Promise.reject(codedError(`cannot follow a redirect to a ${url.protocol} address`, 'ERR_UNSUPPORTED_PROTOCOL'));
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      forget();
      resolve(res);
    });
    req.on('error', reject); // kept after the answer: a later error on a settled promise is dropped, not thrown
    const forget = init.attempt.onStop((reason) => req.destroy(reason));
    req.end();
  });
}

/**
 * Sends a request and resolves with the answer's status and headers once they
 * arrive. Redirects are followed (up to MAX_REDIRECTS); an Authorization
 * header is not sent on to another origin, as fetch does not.
 */
export async function request(href: string, init: RequestOptions): Promise<HttpAnswer> {
  let url = new URL(href);
  let headers = init.headers;
  for (let hops = 0; ; hops++) {
    const res = await sendOnce(url, { ...init, headers });
    const location = res.headers.location;
    if (!REDIRECT.has(res.statusCode ?? 0) || !location) return res;
    discard(res);
    if (hops === MAX_REDIRECTS) throw codedError(`more than ${MAX_REDIRECTS} redirects`, 'ERR_TOO_MANY_REDIRECTS');
    const next = new URL(location, url);
    if (next.origin !== url.origin && 'authorization' in headers) {
      const { authorization: _, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}

/** A header's value, or null (a repeated one joined as node joins it). */
export function header(res: HttpAnswer, name: string): string | null {
  const value = res.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Drops an answer whose body is not wanted. One that has all arrived (a
 * short error page) is read out, so its connection serves the next request;
 * otherwise the connection is closed, not drained: a body may be endless.
 * (A HEAD's answer has no body: resume() it.)
 */
export function discard(res: HttpAnswer): void {
  if (res.complete) res.resume();
  else res.destroy();
}

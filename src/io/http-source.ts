/**
 * `.rec` files over HTTP(S): a ByteSource whose reads are range requests
 * (`Range: bytes=a-b`, answered 206), so the reader's large reads and its
 * bounded read-ahead (a few reads in flight, see format/windows.ts) apply
 * as they do to a local file. Any server that serves static files with
 * ranges works: nginx, S3 and GCS (presigned URLs too), a CDN.
 *
 * A read that fails part-way (connection reset or dropped, timeout, 5xx, 429)
 * is retried from the byte where it stopped, with growing pauses; what
 * arrived is kept, and an attempt that brought bytes starts the count of
 * retries afresh (a long read over a poor link goes on while it progresses). Other answers (404, 403, a server that ignores Range) fail
 * at once. Each read names the validator the file was first seen with
 * (`If-Range` with its ETag or Last-Modified), so a file replaced on the
 * server mid-read is an error, never a mix of two files.
 *
 * Reads are asynchronous only: the synchronous record reader (`rec index`,
 * `rec merge`...) stays local.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ByteSource } from './byte-source.js';
import { displayLocation } from './display-name.js';

export interface HttpOptions {
  /** Attempts after the first for one read, or since the last that brought bytes. Default 5. */
  retries?: number;
  /** Pause before the first retry, doubled for each next one (up to 8 s). Default 250 ms. */
  retryDelayMs?: number;
  /** Give up on a request that sends nothing for this long. Default 30 s. */
  timeoutMs?: number;
  /** Extra request headers (an Authorization header, say). */
  headers?: Record<string, string>;
  /** Told about each retry, for logs. */
  onRetry?: (event: { url: string; position: number; attempt: number; reason: string }) => void;
}

/** An HTTP(S) location that cannot be read: not found, refused, no range support, gave up retrying. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${url}: ${message}`);
  }
}

export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/**
 * What every request to `url` needs: its name for messages, the address to
 * fetch, and the headers. `user:pass@` in the URL becomes a Basic
 * Authorization header (fetch refuses URLs that carry them).
 */
function target(url: string, options: HttpOptions): { name: string; href: string; headers: Record<string, string> } {
  const u = new URL(url);
  const auth: Record<string, string> = {};
  if (u.username || u.password) {
    auth['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = u.password = '';
  }
  return { name: displayLocation(url), href: u.href, headers: { ...auth, ...options.headers } };
}

/** Answers worth another try: the server or the path to it is having a moment. */
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

class Retryable extends Error {}

/** One attempt's abort signal, with a timeout that restarts whenever bytes arrive (not the fetch Request). */
class Attempt {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {
    this.poke();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  poke(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abort.abort(new Retryable(`no data for ${this.timeoutMs} ms`)), this.timeoutMs);
  }

  done(): void {
    clearTimeout(this.timer);
  }
}

export class HttpSource implements ByteSource {
  private closed = false;
  /** Attempts repeated so far (for tests and logs). */
  retried = 0;

  private constructor(
    readonly name: string,
    private readonly href: string,
    readonly size: number,
    private readonly headers: Record<string, string>,
    private readonly validator: string | null,
    private readonly options: HttpOptions,
  ) {}

  /** Asks for the first byte, to learn the size and check that ranges are served. */
  static async open(url: string, options: HttpOptions = {}): Promise<HttpSource> {
    const { name, href, headers } = target(url, options);
    const res = await withRetries(name, 0, options, async (req) => {
      const res = await fetch(href, { headers: { ...headers, range: 'bytes=0-0' }, signal: req.signal, redirect: 'follow' });
      // One byte, or not read at all: a server that ignores Range would send the whole file.
      if (res.status === 206) await res.arrayBuffer();
      else await res.body?.cancel();
      if (res.status !== 206 && res.status !== 416 && res.status !== 200) throw statusError(name, res);
      return res;
    });
    let size: number;
    if (res.status === 206) {
      const total = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
      if (!total) throw new HttpError(name, `expected a Content-Range header with the file size, received ${JSON.stringify(res.headers.get('content-range'))}`);
      size = Number(total[1]);
    } else if (res.status === 416) {
      size = 0; // an empty file has no byte 0
    } else {
      throw new HttpError(name, 'the server does not serve byte ranges (it answered a Range request with the whole file); mxrec needs them to read .rec files remotely');
    }
    const etag = res.headers.get('etag');
    // If-Range takes only a strong ETag, or a Last-Modified date.
    const validator = etag && !etag.startsWith('W/') ? etag : res.headers.get('last-modified');
    return new HttpSource(name, href, size, headers, validator, options);
  }

  readSync(): number {
    throw new HttpError(this.name, 'URLs are read asynchronously (for await, read()), and this read was synchronous');
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    if (this.closed) throw new Error(`${this.name}: read after close`);
    const want = Math.min(length, this.size - position);
    if (want <= 0) return 0;
    let got = 0;
    await withRetries(
      this.name,
      position,
      this.options,
      async (req) => {
        const from = position + got;
        const headers: Record<string, string> = { ...this.headers, range: `bytes=${from}-${position + want - 1}` };
        if (this.validator) headers['if-range'] = this.validator;
        const res = await fetch(this.href, { headers, signal: req.signal, redirect: 'follow' });
        if (res.status !== 206) {
          await res.body?.cancel();
          if (res.status !== 200) throw statusError(this.name, res);
          throw new HttpError(this.name, 'the file changed on the server while it was being read (or the server stopped serving ranges)');
        }
        const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
        if (!start || Number(start[1]) !== from) {
          await res.body?.cancel();
          throw new HttpError(this.name, `asked for bytes from ${from}, received ${JSON.stringify(res.headers.get('content-range'))}`);
        }
        try {
          for await (const chunk of bodyChunks(res)) {
            req.poke();
            const n = Math.min(chunk.byteLength, want - got);
            buffer.set(n === chunk.byteLength ? chunk : chunk.subarray(0, n), offset + got);
            got += n;
          }
        } catch (err) {
          throw new Retryable(`connection lost after ${got} of ${want} bytes (${describe(err, req.signal)})`);
        }
        if (got < want) throw new Retryable(`connection closed after ${got} of ${want} bytes`);
      },
      () => (this.retried += 1),
      () => got,
    );
    return got;
  }

  close(): void {
    this.closed = true;
  }
}

/** Node's web streams are async-iterable (the DOM typings do not say so). */
function bodyChunks(res: Response): AsyncIterable<Uint8Array> {
  return (res.body ?? []) as unknown as AsyncIterable<Uint8Array>;
}

function statusError(name: string, res: Response): HttpError {
  const text = res.status === 404 ? 'not found (HTTP 404)' : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new HttpError(name, text, res.status);
}

/**
 * Runs `attempt` until it succeeds or fails for a reason retrying would not
 * change; network errors, timeouts and RETRY_STATUS answers are retried.
 */
async function withRetries<T>(
  name: string,
  position: number,
  options: HttpOptions,
  attempt: (req: Attempt) => Promise<T>,
  onRetry?: () => void,
  progress: () => number = () => 0,
): Promise<T> {
  const retries = options.retries ?? 5;
  const delay = options.retryDelayMs ?? 250;
  for (let n = 0; ; n++) {
    const req = new Attempt(options.timeoutMs ?? 30_000);
    const before = progress();
    let reason: string;
    try {
      return await attempt(req);
    } catch (err) {
      if (err instanceof HttpError && (err.status === undefined || !RETRY_STATUS.has(err.status))) throw err;
      reason = describe(err, req.signal);
      if (!transient(err, req.signal)) throw new HttpError(name, reason);
    } finally {
      req.done();
    }
    if (progress() > before) n = 0;
    else if (n >= retries) throw new HttpError(name, `reading from byte ${position + progress()} failed after ${n + 1} attempts: ${reason}`);
    options.onRetry?.({ url: name, position, attempt: n + 1, reason });
    onRetry?.();
    await sleep(Math.min(delay * 2 ** n, 8000));
  }
}

/** Network failures that another try may get past (undici's and the OS's names for them). */
const TRANSIENT = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Worth another try: timeouts, dropped or reset connections, 5xx. Not: no
 * such host, connection refused (nothing listens there), a certificate not
 * trusted, a malformed URL.
 */
function transient(err: unknown, signal: AbortSignal): boolean {
  if (err instanceof Retryable || signal.aborted) return true;
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}

function describe(err: unknown, signal: AbortSignal): string {
  if (signal.aborted && signal.reason instanceof Error) return signal.reason.message;
  const e = err as Error & { cause?: Error & { code?: string } };
  const plain: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'no such host', ECONNRESET: 'connection reset' };
  const code = e.cause?.code;
  if (code && plain[code]) return `${plain[code]} (${code})`;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS certificate not accepted (${code}; NODE_EXTRA_CA_CERTS=ca.pem trusts a private CA)`;
  const cause = code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/** A whole small file (.idx, .lst) over HTTP(S), with the same retries. */
export async function fetchText(url: string, options: HttpOptions = {}): Promise<string> {
  const { name, href, headers } = target(url, options);
  return withRetries(name, 0, options, async (req) => {
    const res = await fetch(href, { headers, signal: req.signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel();
      throw statusError(name, res);
    }
    const parts: Uint8Array[] = [];
    for await (const chunk of bodyChunks(res)) {
      req.poke();
      parts.push(chunk);
    }
    const length = Number(res.headers.get('content-length') ?? NaN);
    const body = Buffer.concat(parts);
    if (Number.isFinite(length) && body.length < length) throw new Retryable(`connection closed after ${body.length} of ${length} bytes`);
    return body.toString('utf8');
  });
}

/** Whether a URL is there (for the .idx beside a remote .rec): false for 404 and 410. */
export async function urlExists(url: string, options: HttpOptions = {}): Promise<boolean> {
  const { name, href, headers } = target(url, options);
  return withRetries(name, 0, options, async (req) => {
    const res = await fetch(href, { method: 'HEAD', headers, signal: req.signal, redirect: 'follow' });
    if (res.status === 404 || res.status === 410) return false;
    if (!res.ok) throw statusError(name, res);
    return true;
  });
}

/**
 * `.rec` files over HTTP(S): a ByteSource whose reads are range requests
 * (`Range: bytes=a-b`, answered 206), so the reader's large reads and its
 * bounded read-ahead (a few reads in flight, see format/windows.ts) apply
 * as they do to a local file. Any server that serves static files with
 * ranges works: nginx, S3 and GCS (presigned URLs too), a CDN. A file read
 * whole (an image, an `.idx`, a list: Store.openWhole) is one GET, its body
 * read a piece at a time as the reads ask for it.
 *
 * A server that does not serve ranges (`python -m http.server`) answers the
 * opening probe with the whole file: that body serves reads from start to
 * end (a scan, `rec info`, `verify`, `dump`, a part: what lies before a read
 * is skipped), and a read out of order is an error that says to download
 * the file first. A body lost part-way is fetched again and skipped to where
 * it stopped.
 *
 * What a server can do to a reader is bounded:
 *   - a body is read only up to the bytes asked for; a server that sends
 *     more is an error, and what it sends beyond is never read;
 *   - every attempt has a deadline (`deadlineMs`), an idle timeout
 *     (`timeoutMs`) and, once `timeoutMs` has passed, a minimum transfer
 *     rate (`minBytesPerSecond`): a body trickling in is cut off;
 *   - a read that fails part-way (connection reset or dropped, timeout, 5xx,
 *     429) is retried from the byte where it stopped, with growing pauses
 *     (or as long as `Retry-After` asks, up to a minute); an attempt that
 *     brought bytes starts the count of retries afresh, unless it was too
 *     slow (cut off for its rate, or gone quiet below it). Other answers
 *     (404, 403, a server that ignores Range) fail at once;
 *   - every answer's validator (ETag, else Last-Modified) and file size are
 *     compared with the first answer's, and each request names the first
 *     validator in `If-Range`: a file replaced on the server mid-read is an
 *     error, never a mix of two files, whether or not the server honours
 *     `If-Range`.
 *
 * Reads are asynchronous only: the synchronous readers (`for...of`,
 * `readSync`, `RecordIndex.readSync`) stay local.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ByteSource } from '../byte-source.js';
import { displayLocation } from '../display-name.js';
import { MxrecError, UsageError } from '../../util/errors.js';
import {
  DEFAULT_DEADLINE_MS,
  DEFAULT_MIN_BYTES_PER_SECOND,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  MAX_RETRY_AFTER_MS,
  MAX_RETRY_DELAY_MS,
} from '../limits.js';
import { type HttpAnswer, type Stoppable, discard, header, request } from './http-request.js';
import type { RemoteOptions, Store } from '../store.js';
import { LocalOnlyError, parseUrl } from '../url.js';


/** An HTTP(S) location that cannot be read: not found, refused, no range support, gave up retrying. */
export class HttpError extends MxrecError {
  override readonly name = 'HttpError';
  readonly kind = 'network';
  constructor(
    /** The URL in its display form (no credentials, no query). */
    readonly url: string,
    /** What went wrong, without the URL. */
    readonly detail: string,
    readonly status?: number,
    /** For 429 and 503: how long the server asked to wait before trying again. */
    readonly retryAfterMs = 0,
  ) {
    super(`${url}: ${detail}`);
  }
}

/**
 * What every request for one remote file needs: its name for messages (no
 * credentials, no query), the headers, and the address to request for a
 * method. A plain URL is one address; an S3 object's is signed afresh for
 * each request (io/remote/s3.ts), so no signature outlives its few minutes.
 */
export interface RemoteAddress {
  readonly name: string;
  readonly headers: Record<string, string>;
  href(method: 'GET' | 'HEAD'): string | Promise<string>;
  /**
   * How opening learns the size: `range`, a one-byte GET, which also proves
   * that ranges are served (a web server may not); `head`, a HEAD, for stores
   * that always serve ranges (S3).
   */
  readonly probe?: 'range' | 'head';
  /** What an error status means for this kind of store, where it can say more than the status line. */
  explain?(status: number): string | undefined;
}

/** An http(s):// URL's address. `user:pass@` becomes a Basic Authorization header (sent as a header, never in the URL). */
export function httpAddress(url: string, options: RemoteOptions = {}): RemoteAddress {
  const u = parseUrl(url);
  const auth: Record<string, string> = {};
  if (u.username || u.password) {
    auth['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = u.password = '';
  }
  const href = u.href;
  return { name: displayLocation(url), headers: { ...auth, ...options.headers }, href: () => href };
}

/** Answers worth another try: the server or the path to it is having a moment. */
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** A failure another attempt may get past; `stalled` ones (too slow, past the deadline) do not count as progress. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly stalled = false,
  ) {
    super(message);
  }
}

/** Milliseconds a `Retry-After` header asks to wait (seconds or an HTTP date), or 0. */
function retryAfterMs(res: HttpAnswer): number {
  const value = header(res, 'retry-after');
  if (!value) return 0;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(seconds) ? Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_MS) : 0;
}

/**
 * One attempt's deadlines: it is stopped when nothing arrives for
 * `timeoutMs`, when the deadline passes, or when bytes arrive slower than the
 * minimum rate once `timeoutMs` has passed. Stopping destroys the request or
 * body registered with onStop (cheaper than an AbortSignal, which node's
 * http wires up at a cost per request that showed in the client's CPU:
 * docs/guides/performance.md, "Buckets").
 */
class Attempt implements Stoppable {
  private idle: NodeJS.Timeout | undefined;
  private readonly deadline: NodeJS.Timeout;
  private readonly started = performance.now();
  private bytes = 0;
  private hooks: ((reason: Error) => void)[] = [];
  private finished = false;
  /** Why the attempt was stopped, once it has been. */
  stopped: Retryable | null = null;

  constructor(
    private readonly timeoutMs: number,
    deadlineMs: number,
    private readonly minRate: number,
  ) {
    this.deadline = setTimeout(() => this.stop(new Retryable(`not finished after ${deadlineMs} ms`, true)), deadlineMs);
    this.received(0);
  }

  onStop(hook: (reason: Error) => void): () => void {
    if (this.stopped) {
      hook(this.stopped);
      return () => {};
    }
    this.hooks.push(hook);
    return () => (this.hooks = this.hooks.filter((h) => h !== hook));
  }

  private stop(reason: Retryable): void {
    if (this.stopped) return;
    this.stopped = reason;
    const hooks = this.hooks;
    this.hooks = [];
    for (const hook of hooks) hook(reason);
  }

  /** Bytes arrived: the idle timer restarts, and the rate is checked. */
  received(n: number): void {
    if (this.finished) return;
    this.bytes += n;
    // An attempt that goes quiet having averaged less than the minimum rate is stalled too, so that
    // a server sending a little and then nothing cannot reset the retries for ever.
    if (this.idle) this.idle.refresh();
    else this.idle = setTimeout(() => this.stop(new Retryable(`no data for ${this.timeoutMs} ms`, this.rate() < this.minRate)), this.timeoutMs);
    if (performance.now() - this.started <= this.timeoutMs) return;
    const rate = this.rate();
    if (rate < this.minRate) this.stop(new Retryable(`${Math.round(rate)} bytes/s, slower than the ${this.minRate} bytes/s asked for`, true));
  }

  /** Bytes a second since the attempt began, on average. */
  private rate(): number {
    return this.bytes / ((performance.now() - this.started) / 1000);
  }

  done(): void {
    this.finished = true;
    clearTimeout(this.idle);
    clearTimeout(this.deadline);
    this.hooks = [];
  }
}

/** What identifies the file's version in an answer. If-Range takes a strong ETag, else a Last-Modified date. */
interface Version {
  etag: string | null;
  lastModified: string | null;
}

function versionOf(res: HttpAnswer): Version {
  const etag = header(res, 'etag');
  return { etag: etag && !etag.startsWith('W/') ? etag : null, lastModified: header(res, 'last-modified') };
}

/** How `now` differs from `first`, comparing what both answers name; null when they agree. */
function versionChange(first: Version, now: Version): string | null {
  if (first.etag && now.etag && first.etag !== now.etag) return `its ETag went from ${first.etag} to ${now.etag}`;
  if (first.lastModified && now.lastModified && first.lastModified !== now.lastModified) {
    return `its Last-Modified went from ${first.lastModified} to ${now.lastModified}`;
  }
  return null;
}

export class HttpSource implements ByteSource {
  readonly syncReads = false;
  private closed = false;
  /**
   * An answer whose body runs to the end of the file, read from `bodyAt` on
   * by the reads that continue it (openWhole's GET, or a server's whole-file
   * answer to the probe): a file read from start to end costs one request.
   */
  private body: HttpAnswer | null = null;
  private bodyAt = 0;
  /** Reads of the body, one after another, in the order they were asked for (a scan's read-ahead asks for several). */
  private bodyTurn: Promise<unknown> = Promise.resolve();
  /** Attempts repeated so far (for tests and logs). */
  retried = 0;

  private constructor(
    private readonly address: RemoteAddress,
    readonly size: number,
    private readonly version: Version,
    private readonly options: RemoteOptions,
    /** Whether the server answers Range requests; a server that does not (python -m http.server) is read from start to end. */
    private readonly ranges = true,
  ) {}

  get name(): string {
    return this.address.name;
  }

  /** An http(s):// URL; see openAt. */
  static open(url: string, options: RemoteOptions = {}): Promise<HttpSource> {
    return HttpSource.openAt(httpAddress(url, options), options);
  }

  /** Asks for the first byte (or the headers, see RemoteAddress.probe), to learn the size and check that ranges are served. */
  static async openAt(address: RemoteAddress, options: RemoteOptions = {}): Promise<HttpSource> {
    const { name, headers } = address;
    if (address.probe === 'head') {
      const head = (await headOf(address, options))!;
      return new HttpSource(address, contentLength(name, head), versionOf(head), options);
    }
    const res = await withRetries(name, 0, options, async (req) => {
      const res = await request(await address.href('GET'), { headers: { ...headers, range: 'bytes=0-0' }, attempt: req });
      // One byte; a server that ignores Range sends the whole file: its body is kept for the reads from the start.
      if (res.statusCode === 206) await readBody(name, res, req, 1, () => {});
      else if (res.statusCode !== 200) discard(res);
      if (res.statusCode !== 206 && res.statusCode !== 416 && res.statusCode !== 200) throw statusError(address, res);
      return res;
    });
    if (res.statusCode === 206) return new HttpSource(address, totalSize(name, res), versionOf(res), options);
    if (res.statusCode === 416) return new HttpSource(address, 0, versionOf(res), options); // an empty file has no byte 0
    return HttpSource.withBody(address, res, options, false);
  }

  /** A source whose first reads take `res`'s body (a whole-file answer). */
  private static withBody(address: RemoteAddress, res: HttpAnswer, options: RemoteOptions, ranges: boolean): HttpSource {
    let size: number;
    try {
      size = contentLength(address.name, res);
    } catch (err) {
      discard(res);
      throw err;
    }
    const source = new HttpSource(address, size, versionOf(res), options, ranges);
    source.body = res;
    return source;
  }

  /**
   * Opens with a GET of the whole file, for a file that is read whole (an
   * image): its headers give the size, and its body is what the first read
   * of all the bytes takes, so the file costs one request, not a probe and a
   * read. The body waits unread until then (the server is held back by the
   * connection); if it cannot be read then, that read is retried by range as
   * any other. The address's `probe` is not used.
   */
  static async openWhole(address: RemoteAddress, options: RemoteOptions = {}): Promise<HttpSource> {
    const res = await withRetries(address.name, 0, options, async (req) => {
      const res = await request(await address.href('GET'), { headers: address.headers, attempt: req });
      if (res.statusCode !== 200) {
        discard(res);
        throw statusError(address, res);
      }
      return res;
    });
    // Whether ranges are served is not known yet; an answer that says it does not is believed.
    return HttpSource.withBody(address, res, options, header(res, 'accept-ranges') !== 'none');
  }

  readSync(): number {
    throw new HttpError(this.name, 'URLs are read asynchronously (for await, read()), and this read was synchronous');
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    if (this.closed) throw new UsageError(`${this.name}: read after close()`);
    const want = Math.min(length, this.size - position);
    if (want <= 0) return 0;
    // The body serves the read that continues it; without ranges, every read (those ahead skip to theirs).
    if (!this.ranges || (this.body && position === this.bodyAt)) {
      const turn = this.bodyTurn.then(() => this.readOn(buffer, offset, want, position));
      this.bodyTurn = turn.catch(() => {});
      return turn;
    }
    let got = 0;
    await this.attempts(
      position,
      async (req) => {
        const res = await this.rangeFrom(position + got, position + want - 1, req);
        await readBody(this.name, res, req, want - got, (chunk) => {
          chunk.copy(buffer, offset + got);
          got += chunk.length;
        });
      },
      () => got,
    );
    return got;
  }

  /** withRetries for a read of this file from `position`, counting the attempts repeated. */
  private attempts(position: number, attempt: (req: Attempt) => Promise<void>, progress: () => number): Promise<void> {
    return withRetries(this.name, position, this.options, attempt, () => (this.retried += 1), progress);
  }

  /**
   * A read from the body, at or (without ranges) after where it stands: the
   * bytes in between are skipped. A body lost part-way is asked for again
   * from where it stopped: by range, or whole and skipped to there.
   */
  private async readOn(buffer: Buffer, offset: number, want: number, position: number): Promise<number> {
    if (position < this.bodyAt) {
      // Going back (without ranges): a new pass from the start is one request again; a read anywhere
      // else would fetch the file up to it, once per read, so it is refused.
      if (position !== 0) throw this.outOfOrder(position);
      if (this.body) discard(this.body);
      this.body = null;
    }
    let got = 0;
    await this.attempts(
      position,
      async (req) => {
        const to = position + got;
        if (!this.body) {
          this.body = this.ranges ? await this.rangeFrom(to, this.size - 1, req) : await this.wholeAgain(req);
          this.bodyAt = this.ranges ? to : 0;
        }
        const body = this.body;
        try {
          if (this.bodyAt < to) await readBody(this.name, body, req, to - this.bodyAt, (chunk) => (this.bodyAt += chunk.length), true);
          await readBody(
            this.name,
            body,
            req,
            want - got,
            (chunk) => {
              chunk.copy(buffer, offset + got);
              got += chunk.length;
              this.bodyAt += chunk.length;
            },
            true,
          );
        } catch (err) {
          this.body = null; // dropped by readBody
          throw err;
        }
      },
      () => got,
    );
    if (this.bodyAt >= this.size && this.body) {
      discard(this.body);
      this.body = null;
    }
    return got;
  }

  /** A read out of order on a server without ranges: it cannot be served. */
  private outOfOrder(position: number): HttpError {
    return new HttpError(
      this.name,
      `the server does not serve byte ranges, so the file can only be read from start to end, and this read needs byte ${position} out of order ` +
        '(reading through an .idx, shuffled or by key, jumps about): download it first, or serve it from a server that serves ranges (nginx, S3, a CDN)',
    );
  }

  /** The answer to a range request for bytes [from, to], checked to be this file's. */
  private async rangeFrom(from: number, to: number, req: Attempt): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...this.address.headers, range: `bytes=${from}-${to}` };
    const ifRange = this.version.etag ?? this.version.lastModified;
    if (ifRange) headers['if-range'] = ifRange;
    const res = await request(await this.address.href('GET'), { headers, attempt: req });
    if (res.statusCode !== 206) {
      discard(res);
      if (res.statusCode !== 200) throw statusError(this.address, res);
      this.checkSame(res);
      throw this.outOfOrder(from); // the same file, whole: this server does not serve ranges
    }
    this.checkSame(res);
    const start = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
    if (!start || Number(start[1]) !== from || totalSize(this.name, res) !== this.size) {
      discard(res);
      if (start && Number(start[1]) === from) throw changed(this.name, `its size went from ${this.size} to ${totalSize(this.name, res)} bytes`);
      throw new HttpError(this.name, `asked for bytes from ${from}, received ${JSON.stringify(header(res, 'content-range'))}`);
    }
    return res;
  }

  /** The whole file again (a server without ranges, after its answer was lost part-way), checked to be the same file. */
  private async wholeAgain(req: Attempt): Promise<HttpAnswer> {
    const res = await request(await this.address.href('GET'), { headers: this.address.headers, attempt: req });
    if (res.statusCode !== 200) {
      discard(res);
      throw statusError(this.address, res);
    }
    this.checkSame(res);
    if (header(res, 'content-length') !== String(this.size)) {
      discard(res);
      throw changed(this.name, `its size went from ${this.size} to ${header(res, 'content-length')} bytes`);
    }
    return res;
  }

  /** Refuses an answer from another version of the file. */
  private checkSame(res: HttpAnswer): void {
    const change = versionChange(this.version, versionOf(res));
    if (change) {
      discard(res);
      throw changed(this.name, change);
    }
  }

  close(): void {
    this.closed = true;
    if (this.body) discard(this.body);
    this.body = null;
  }
}

function changed(name: string, how: string): HttpError {
  return new HttpError(name, `the file changed on the server while it was being read (${how})`);
}

/** The file size from a whole answer's (or a HEAD's) Content-Length. */
function contentLength(name: string, res: HttpAnswer): number {
  const length = header(res, 'content-length');
  if (length === null || !/^\d+$/.test(length)) throw new HttpError(name, `expected a Content-Length header with the size, received ${JSON.stringify(length)}`);
  return Number(length);
}

/** The file size from a 206's Content-Range (`bytes a-b/size`). */
function totalSize(name: string, res: HttpAnswer): number {
  const total = /\/(\d+)\s*$/.exec(header(res, 'content-range') ?? '');
  if (!total) throw new HttpError(name, `expected a Content-Range header with the file size, received ${JSON.stringify(header(res, 'content-range'))}`);
  return Number(total[1]);
}

/**
 * Reads `want` bytes of a body, handing each piece to `onChunk` as it lands,
 * so that when the connection is lost part-way (Retryable) the caller keeps
 * what arrived. A body that runs on past `want` bytes is an error and the
 * rest is never read, unless `more` (a body that runs to the end of the
 * file, read a piece at a time): then the rest waits, paused, for the next
 * read. Stopping the attempt cuts the body off too: an answer opened by an
 * earlier attempt is held to this one's timeouts.
 */
function readBody(name: string, res: HttpAnswer, req: Attempt, want: number, onChunk: (chunk: Buffer) => void, more = false): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const settle = (err?: Error): void => {
      res.off('data', onData).off('end', onEnd).off('error', onLost).off('close', onClose);
      forget();
      if (!err) {
        if (more) res.pause();
        return resolve();
      }
      discard(res);
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      if (got + chunk.length > want) {
        if (!more) return settle(new HttpError(name, `the server sent more than the ${want} bytes asked for (a range it does not honour)`));
        res.pause();
        res.unshift(chunk.subarray(want - got));
        chunk = chunk.subarray(0, want - got);
      }
      got += chunk.length;
      onChunk(chunk);
      req.received(chunk.length);
      if (more && got === want) settle();
    };
    const onEnd = (): void => settle(got < want ? new Retryable(`connection closed after ${got} of ${want} bytes`) : undefined);
    const onLost = (err?: Error): void => {
      const why = err ? ` (${describe(err, req.stopped)})` : '';
      settle(new Retryable(`connection lost after ${got} of ${want} bytes${why}`));
    };
    const onClose = (): void => onLost();
    let forget = (): void => {};
    res.on('data', onData).once('end', onEnd).once('error', onLost).once('close', onClose);
    forget = req.onStop((reason) => settle(reason));
    if (more) res.resume();
  });
}

function statusError(address: RemoteAddress, res: HttpAnswer): HttpError {
  const status = res.statusCode ?? 0;
  const text = address.explain?.(status) ?? (status === 404 ? 'not found (HTTP 404)' : `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
  return new HttpError(address.name, text, status, retryAfterMs(res));
}

/**
 * Runs `attempt` until it succeeds or fails for a reason retrying would not
 * change; network errors, timeouts and RETRY_STATUS answers are retried.
 * `progress` tells how many bytes have arrived in all; an attempt that
 * added some (and was not cut off as stalled) starts the count afresh.
 */
async function withRetries<T>(
  name: string,
  position: number,
  options: RemoteOptions,
  attempt: (req: Attempt) => Promise<T>,
  onRetry?: () => void,
  progress: () => number = () => 0,
): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  const delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  for (let n = 0; ; n++) {
    const req = new Attempt(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.deadlineMs ?? DEFAULT_DEADLINE_MS, options.minBytesPerSecond ?? DEFAULT_MIN_BYTES_PER_SECOND);
    const before = progress();
    let reason: string;
    let stalled = false;
    let waitMs = 0;
    try {
      return await attempt(req);
    } catch (caught) {
      const err = req.stopped ?? caught;
      if (err instanceof HttpError) {
        if (err.status === undefined || !RETRY_STATUS.has(err.status)) throw err;
        reason = err.detail;
        waitMs = err.retryAfterMs;
      } else if (transient(err)) {
        reason = describe(err, req.stopped);
        stalled = err instanceof Retryable && err.stalled;
      } else {
        throw new HttpError(name, describe(err, req.stopped));
      }
    } finally {
      req.done();
    }
    if (progress() > before && !stalled) n = 0;
    else if (n >= retries) throw new HttpError(name, `reading from byte ${position + progress()} failed after ${n + 1} attempts: ${reason}`);
    options.onRetry?.({ url: name, position, attempt: n + 1, reason });
    onRetry?.();
    await sleep(Math.max(Math.min(delay * 2 ** n, MAX_RETRY_DELAY_MS), waitMs));
  }
}

/** Network failures that another try may get past (the OS's names for them, as node reports them). */
const TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * Worth another try: timeouts, dropped or reset connections. Not: no such
 * host, connection refused (nothing listens there), a certificate not
 * trusted, a malformed URL.
 */
function transient(err: unknown): boolean {
  if (err instanceof Retryable) return true;
  const code = errorCode(err);
  return code !== undefined && TRANSIENT.has(code);
}

/** A network error's code: node's errors carry it, some wrap one that does (as their cause). */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = e.code ?? e.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A network failure in words; exported for its test. */
export function describe(err: unknown, stopped: Error | null): string {
  if (stopped) return stopped.message;
  const e = err as Error & { cause?: Error; hostname?: unknown };
  // The host looked up (node's lookup errors carry it): a mistyped endpoint is seen at once.
  const host = typeof e.hostname === 'string' ? ` ${e.hostname}` : '';
  const plain: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: `no such host${host}`, ECONNRESET: 'connection reset' };
  const code = errorCode(err);
  if (code && plain[code]) return `${plain[code]} (${code})`;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `TLS certificate not accepted (${code}; NODE_EXTRA_CA_CERTS=ca.pem trusts a private CA)`;
  const cause = e.cause ? (errorCode(e.cause) ?? e.cause.message) : undefined;
  if (cause) return `${e.message} (${cause})`;
  return code && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
}

/** A HEAD's answer, with retries; null for the statuses in `absent`, an HttpError for any other failure. */
async function headOf(address: RemoteAddress, options: RemoteOptions, absent: readonly number[] = []): Promise<HttpAnswer | null> {
  return withRetries(address.name, 0, options, async (req) => {
    const res = await request(await address.href('HEAD'), { method: 'HEAD', headers: address.headers, attempt: req });
    res.resume(); // no body: the connection goes back to the pool
    const status = res.statusCode ?? 0;
    if (absent.includes(status)) return null;
    if (status < 200 || status > 299) throw statusError(address, res);
    return res;
  });
}

/** Whether a remote file is there (for the .idx beside a remote .rec): false for 404 and 410. */
export async function remoteExists(address: RemoteAddress, options: RemoteOptions = {}): Promise<boolean> {
  return (await headOf(address, options, [404, 410])) !== null;
}

/**
 * What a remote store reads with: ranged GETs through HttpSource, each
 * location addressed by `addressOf` (a URL as it is, or presigned for S3);
 * never synchronously.
 */
export function rangedReads(addressOf: (location: string, options?: RemoteOptions) => RemoteAddress): Pick<Store, 'open' | 'openSync' | 'openWhole' | 'exists'> {
  return {
    open: (location, options) => HttpSource.openAt(addressOf(location, options), options),
    openSync: (location) => {
      throw new LocalOnlyError(location);
    },
    openWhole: (location, options) => HttpSource.openWhole(addressOf(location, options), options),
    exists: (location, options) => remoteExists(addressOf(location, options), options),
  };
}

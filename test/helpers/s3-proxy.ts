/**
 * A proxy on loopback in front of the test S3 server (startS3), for the
 * failures a real store can give: every request is logged and passed on
 * untouched (the Host header too, so the signature still holds), except those
 * a rule answers itself (a 500 for one key, a wrong-region error, a listing
 * that is not one, the listings of a hostile store: listingRule).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import type { TestS3 } from './s3.js';

export interface ProxiedRequest {
  method: string;
  /** The key, path-style (`bucket/key`), decoded; the bucket alone for a bucket request. */
  path: string;
  /** The query, as sent (`uploads`, `partNumber=2&uploadId=...`, `list-type=2&...`). */
  query: string;
  headers: http.IncomingHttpHeaders;
}

export interface ProxyAnswer {
  status: number;
  headers?: Record<string, string>;
  /** The body, or a writer that streams one (and ends the response). */
  body?: string | ((res: http.ServerResponse) => void);
}

/** What the proxy answers itself for a request; undefined passes it on. */
export type ProxyRule = (req: ProxiedRequest) => ProxyAnswer | undefined;

export interface S3Proxy {
  endpoint: string;
  /** startS3's environment, pointed at the proxy. */
  env: Record<string, string>;
  /** Every request so far, as `METHOD path?query`, in the order they arrived. */
  log: string[];
  /** The rule for the requests from now on (none: everything passes). */
  rule: ProxyRule | null;
  close(): Promise<void>;
}

/** S3's error body. */
export function s3ErrorBody(code: string, message: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>TEST</RequestId></Error>`;
}

/** A 500 InternalError for every write to `path` (`bucket/key`): PUT, and POST (a multipart upload's start and end). */
export function failKey(path: string): ProxyRule {
  return (req) => (req.path === path && (req.method === 'PUT' || req.method === 'POST') ? { status: 500, headers: { 'content-type': 'application/xml' }, body: s3ErrorBody('InternalError', 'We encountered an internal error. Please try again.') } : undefined);
}

/** Starts a proxy in front of `s3`; stopped when the test file ends. */
export async function startS3Proxy(s3: TestS3): Promise<S3Proxy> {
  const target = new URL(s3.endpoint);
  const log: string[] = [];
  const proxy: { rule: ProxyRule | null } = { rule: null };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://proxy');
    const seen: ProxiedRequest = { method: req.method!, path: decodeURIComponent(url.pathname.slice(1)), query: url.search.slice(1), headers: req.headers };
    log.push(`${seen.method} ${seen.path}${seen.query ? `?${seen.query}` : ''}`);
    const answer = proxy.rule?.(seen);
    if (answer) {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, answer.headers);
        if (typeof answer.body === 'function') answer.body(res);
        else res.end(answer.body ?? '');
      });
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // A client gone before its answer (a process killed mid-upload): drop the request upstream too,
    // or it waits there for the rest of its body and the server cannot close.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  after(close);
  return {
    endpoint,
    env: { ...s3.env, AWS_ENDPOINT_URL_S3: endpoint },
    log,
    get rule() {
      return proxy.rule;
    },
    set rule(rule) {
      proxy.rule = rule;
    },
    close,
  };
}

/**
 * What a hostile or broken store lists, answered for every ListObjectsV2
 * (GET ?list-type=2) in place of the server's own listing.
 */
export type Listing =
  /** These keys, 1000 a page (written XML-escaped, control characters as references). */
  | { kind: 'keys'; keys: string[] }
  /** `count` keys `PREFIX` + a number, padded to `length` characters, generated page by page. */
  | { kind: 'generated'; prefix: string; count: number; length: number }
  /** Every page says more follows, with the same token. */
  | { kind: 'same-token' }
  /** One page of `bytes` bytes that streams on without a Content-Length. */
  | { kind: 'huge-page'; bytes: number }
  /** Well-formed XML that is no ListBucketResult (a portal's page). */
  | { kind: 'not-a-listing' };

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']|[\u0000-\u001f\u007f]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === "'" ? '&apos;' : `&#${c.charCodeAt(0)};`));

function listingPage(keys: readonly string[], next: string | null): string {
  const contents = keys.map((k) => `<Contents><Key>${escapeXml(k)}</Key><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>b</Name><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${next !== null}</IsTruncated>` +
    (next !== null ? `<NextContinuationToken>${next}</NextContinuationToken>` : '') +
    `${contents}</ListBucketResult>`
  );
}

/** Streams `bytes` bytes of a listing page that never closes its element, with backpressure, until the client goes. */
function hugePage(bytes: number): (res: http.ServerResponse) => void {
  return (res) => {
    res.write('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name><Prefix>');
    const filler = Buffer.alloc(1 << 20, 'x');
    let sent = 0;
    const more = () => {
      while (sent < bytes) {
        sent += filler.length;
        if (!res.write(filler)) return void res.once('drain', more);
      }
      res.end('</Prefix></ListBucketResult>');
    };
    res.on('close', () => (sent = bytes));
    more();
  };
}

/** A rule answering every listing with `listing`; `pages` counts the pages served. */
export function listingRule(listing: Listing): ProxyRule & { pages: number } {
  const rule = Object.assign(
    (req: ProxiedRequest): ProxyAnswer | undefined => {
      if (req.method !== 'GET' || !/(^|&)list-type=2(&|$)/.test(req.query)) return undefined;
      rule.pages += 1;
      const at = Number(new URLSearchParams(req.query).get('continuation-token') ?? 0);
      const xml = (body: ProxyAnswer['body']): ProxyAnswer => ({ status: 200, headers: { 'content-type': 'application/xml' }, body });
      switch (listing.kind) {
        case 'keys':
          return xml(listingPage(listing.keys.slice(at, at + 1000), at + 1000 < listing.keys.length ? String(at + 1000) : null));
        case 'generated': {
          const end = Math.min(at + 1000, listing.count);
          const keys: string[] = [];
          for (let k = at; k < end; k++) keys.push(`${listing.prefix}${String(k).padStart(listing.length - listing.prefix.length - 4, '0')}.jpg`);
          return xml(listingPage(keys, end < listing.count ? String(end) : null));
        }
        case 'same-token':
          return xml(listingPage([], 'again'));
        case 'huge-page':
          return xml(hugePage(listing.bytes));
        case 'not-a-listing':
          return xml('<html><body>Welcome to nginx!</body></html>');
      }
    },
    { pages: 0 },
  );
  return rule;
}

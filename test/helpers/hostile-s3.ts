/**
 * An S3-like server on loopback that lists what a test chooses, as a hostile
 * or broken store might: keys no S3 would hold, a continuation token given
 * out forever, a page that never ends, or millions of generated keys. It
 * answers ListObjectsV2 (GET /BUCKET?list-type=2, path-style, as the SDK asks
 * with AWS_ENDPOINT_URL_S3) and GET/HEAD of any key with `object`'s bytes,
 * and records every object key requested. Credentials are not checked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';

export type Listing =
  /** These keys, 1000 a page (each key is written XML-escaped, control characters as references). */
  | { kind: 'keys'; keys: string[] }
  /** `count` keys `PREFIX` + `k` padded to `length` characters, generated page by page. */
  | { kind: 'generated'; prefix: string; count: number; length: number }
  /** Every page says more follows, with the same token. */
  | { kind: 'same-token' }
  /** One page of `bytes` bytes that grows without a Content-Length. */
  | { kind: 'huge-page'; bytes: number }
  /** A 200 whose body is not a listing at all. */
  | { kind: 'garbage' };

export interface HostileS3 {
  endpoint: string;
  env: Record<string, string>;
  /** Object keys asked for by GET or HEAD, in order. */
  requested: string[];
  /** Listing pages served. */
  pages: number;
}

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']|[\u0000-\u001f\u007f]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : c === "'" ? '&apos;' : `&#${c.charCodeAt(0)};`));

function page(keys: string[], next: string | null): string {
  const contents = keys.map((k) => `<Contents><Key>${escapeXml(k)}</Key><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>b</Name><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${next !== null}</IsTruncated>` +
    (next !== null ? `<NextContinuationToken>${next}</NextContinuationToken>` : '') +
    `${contents}</ListBucketResult>`
  );
}

export async function startHostileS3(listing: Listing, object: Buffer = Buffer.from('not an image')): Promise<HostileS3> {
  const state = { requested: [] as string[], pages: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.searchParams.get('list-type') === '2') {
      state.pages += 1;
      const at = Number(url.searchParams.get('continuation-token') ?? 0);
      res.setHeader('content-type', 'application/xml');
      if (listing.kind === 'keys') {
        const next = at + 1000 < listing.keys.length ? String(at + 1000) : null;
        res.end(page(listing.keys.slice(at, at + 1000), next));
      } else if (listing.kind === 'generated') {
        const end = Math.min(at + 1000, listing.count);
        const keys: string[] = [];
        for (let k = at; k < end; k++) keys.push(`${listing.prefix}${String(k).padStart(listing.length - listing.prefix.length - 4, '0')}.jpg`);
        res.end(page(keys, end < listing.count ? String(end) : null));
      } else if (listing.kind === 'same-token') {
        res.end(page([], 'again'));
      } else if (listing.kind === 'huge-page') {
        res.write('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name><Prefix>');
        const filler = Buffer.alloc(1 << 20, 'x');
        let sent = 0;
        const more = () => {
          while (sent < listing.bytes) {
            sent += filler.length;
            if (!res.write(filler)) return void res.once('drain', more);
          }
          res.end('</Prefix></ListBucketResult>');
        };
        res.on('close', () => (sent = listing.bytes)); // the client gave up: stop
        more();
      } else {
        res.end('<html><body>Welcome to nginx!</body></html>');
      }
      return;
    }
    // Path-style: /BUCKET/KEY.
    const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
    state.requested.push(key);
    res.writeHead(200, { 'content-length': object.length, etag: '"fixed"', 'accept-ranges': 'bytes' });
    res.end(req.method === 'HEAD' ? undefined : object);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'HOSTILE',
      AWS_SECRET_ACCESS_KEY: 'HOSTILE',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    get requested() {
      return state.requested;
    },
    get pages() {
      return state.pages;
    },
  };
}

/**
 * s3://bucket/key: objects in S3 and S3-compatible stores (MinIO, Ceph, GCS's
 * interoperable API), read by the same ranged GETs as any URL
 * (http-source.ts: bounded read-ahead, retries, deadlines, ETag checks). Each
 * request goes to a GET or HEAD presigned with the AWS SDK's presigner (valid
 * for minutes, reused by the requests of the next three; s3-presign.ts), so the
 * retries and checks are HTTP's own.
 *
 * Credentials, region and endpoint come from the SDK's standard chain
 * (environment, shared config and profiles, instance and container roles).
 * AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL selects another endpoint, and then
 * path-style addressing (`endpoint/bucket/key`), as MinIO and most others
 * want. The SDK is loaded only when an s3:// location is first used.
 * Locations are shown as `s3://bucket/key`: no key or signature is printed.
 */
import crypto from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { RemoteAddress } from './http-source.js';
import type { RemoteOptions } from '../store.js';
import { displayLocation } from '../display-name.js';
import { HttpError } from './http-source.js';
import {
  LimitError,
  MAX_LIST_PAGES,
  MAX_LIST_PAGE_BYTES,
  MAX_S3_KEY_BYTES,
  S3_KEYS_PER_PAGE,
  SDK_CONNECT_TIMEOUT_MS,
  SDK_IDLE_TIMEOUT_MS,
} from '../limits.js';
import { Presigner } from './s3-presign.js';
import { LocationError } from '../url.js';
import { hasControl, quoted } from '../../util/errors.js';

/** Bucket names as S3 has allowed them (its legacy rules included capitals and `_`). */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/**
 * Bucket and key part of an s3:// location, checked: a bucket name S3 allows
 * (so no `user:secret@`, which would otherwise be printed in every message
 * naming the location), and a key S3 could hold. The refusal never repeats
 * what stood before an `@`.
 */
function splitS3(location: string, expected: string): { bucket: string; rest: string } {
  const authority = /^s3:\/\/([^/]*)/i.exec(location)?.[1] ?? '';
  if (authority.includes('@')) {
    const shown = `s3://${authority.slice(authority.lastIndexOf('@') + 1)}/...`;
    throw new LocationError(`${shown}: credentials do not belong in an s3:// location (it is printed in messages); give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or a role`);
  }
  const shown = quoted(displayLocation(location));
  if (!BUCKET.test(authority)) throw new LocationError(`${shown}: expected ${expected} (a bucket name of letters, digits, '.', '-' or '_')`);
  const path = location.slice(`s3://${authority}`.length).replace(/^\//, '');
  if (/[?#]/.test(path)) throw new LocationError(`${shown}: expected ${expected}; a '?' or '#' in a key is written %3F or %23 (an s3:// location has no query)`);
  let rest: string;
  try {
    rest = decodeURIComponent(path);
  } catch {
    throw new LocationError(`${shown}: expected ${expected}; a '%' must start an escape such as %20`);
  }
  if (hasControl(rest)) throw new LocationError(`${shown}: expected ${expected} without control characters (line breaks, tabs)`);
  if (Buffer.byteLength(rest) > MAX_S3_KEY_BYTES) {
    throw new LocationError(`${shown}: expected ${expected} with a key of at most ${MAX_S3_KEY_BYTES} bytes (S3's limit), received ${Buffer.byteLength(rest)}`);
  }
  return { bucket: authority, rest };
}

/** An s3:// location (with or without a key) in its one spelling: `s3://bucket/key`, the key unescaped. */
export function s3Name(location: string): string {
  const { bucket, rest } = splitS3(location, 's3://bucket/key');
  return `s3://${bucket}/${rest}`;
}

/** Bucket and key of an s3:// location, and its name in messages (`s3://bucket/key`, one spelling for every use). */
export function parseS3Url(location: string): { bucket: string; key: string; name: string } {
  const { bucket, rest: key } = splitS3(location, 's3://bucket/key');
  if (key === '') throw new LocationError(`${quoted(displayLocation(location))}: expected s3://bucket/key, received no key`);
  return { bucket, key, name: `s3://${bucket}/${key}` };
}

export interface Sdk {
  client: S3Client;
  s3: typeof import('@aws-sdk/client-s3');
  sign(bucket: string, key: string, method: 'GET' | 'HEAD'): Promise<string>;
}

let sdk: Promise<Sdk> | null = null;

/** How long a signed address stays valid: a few minutes cover a slow start. */
const SIGNED_FOR_SECONDS = 300;
/**
 * A signed address is used again for the requests of the next minutes (the
 * range is a header, not part of what a presigned GET signs): signing costs
 * more than a small ranged GET on a fast network. It is signed afresh once it
 * has less than this left, so no request starts with an address about to expire.
 */
const RESIGN_WITH_SECONDS_LEFT = 120;

/** The SDK and the one client every s3:// location of the process uses (loaded on first use). */
export function loadSdk(): Promise<Sdk> {
  sdk ??= (async () => {
    const s3 = await import('@aws-sdk/client-s3');
    const presign = await import('@aws-sdk/s3-request-presigner');
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
    // Every request the SDK itself sends (uploads, listings) has deadlines: to connect, and for a
    // socket that goes quiet; the SDK retries those (3 attempts) like other transient failures.
    const requestHandler = { connectionTimeout: SDK_CONNECT_TIMEOUT_MS, requestTimeout: SDK_IDLE_TIMEOUT_MS };
    const client = new s3.S3Client(endpoint ? { endpoint, forcePathStyle: true, requestHandler } : { requestHandler });
    const presigner = new Presigner(client, s3, presign, SIGNED_FOR_SECONDS);
    return { client, s3, sign: (bucket, key, method) => presigner.sign(bucket, key, method) };
  })();
  return sdk;
}

/** The SDK's chain found no region: its own error is a plain Error, told apart only by where it came from. */
class NoRegionError extends Error {
  override readonly name = 'NoRegionError';
}

/** The region the SDK's chain gives, asked once (again after a failure). */
let region: Promise<string> | null = null;

/** loadSdk() for a request about `name`, its region known: a setup failure (no credentials, no region) is said about it. */
export function sdkFor(name: string): Promise<Sdk> {
  return loadSdk()
    .then(async (s) => {
      region ??= s.client.config.region().catch((err: unknown) => {
        region = null;
        throw new NoRegionError(String(err));
      });
      await region;
      return s;
    })
    .catch(async (err: unknown) => {
      const problem = setupError(name, err);
      // Without a region, the credentials are asked for too: a set-up with both missing hears of both at once.
      if (err instanceof NoRegionError) {
        const noCredentials = await loadSdk().then((s) => s.client.config.credentials().then(() => null, (e: unknown) => e));
        if (noCredentials && isCredentialsError(noCredentials)) throw new HttpError(name, `${problem.detail}, and ${setupError(name, noCredentials).detail}`);
      }
      throw problem;
    });
}

function isCredentialsError(err: unknown): boolean {
  const name = (err as Error).name;
  return name === 'CredentialsProviderError' || name === 'TokenProviderError';
}

/** What the SDK's chain could not find, in words a user can act on; told by the error's name, not its words. */
export function setupError(location: string, err: unknown): HttpError {
  const e = err as Error;
  if (isCredentialsError(e)) {
    return new HttpError(location, 'no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance or container role)');
  }
  if (err instanceof NoRegionError) return new HttpError(location, 'no AWS region set (AWS_REGION, or a region in the profile)');
  return new HttpError(location, `cannot sign the request: ${e.message}`);
}

/** S3's error codes for a request sent to, or signed for, another region than the bucket's (with the bucket's region in the answer). */
const WRONG_REGION_CODES = new Set(['AuthorizationHeaderMalformed', 'PermanentRedirect', 'IllegalLocationConstraintException']);

/**
 * An S3 SDK failure as one line about the object, without keys or
 * signatures. Told by what the SDK says the failure is (the error's name,
 * which is S3's error code, and the HTTP status), never by the words of its
 * message; and from the server's answer only a code or a region name that
 * looks like one is shown (the server may be anyone's).
 */
export function s3CallError(name: string, err: unknown, doing: string): Error {
  const e = err as Error & {
    $metadata?: { httpStatusCode?: number };
    $fault?: 'client' | 'server';
    $response?: { headers?: Record<string, string | undefined> };
    Region?: unknown;
  };
  const status = e.$metadata?.httpStatusCode;
  const code = typeof e.name === 'string' && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(e.name) ? e.name : undefined;
  if (code === 'CredentialsProviderError' || code === 'TokenProviderError' || err instanceof NoRegionError) return setupError(name, err);
  // A 2xx answer the SDK could not parse: not an S3 error (those carry $fault), but not what was asked for either.
  if (e.$fault === undefined && e.$response !== undefined && status !== undefined && status < 300) {
    return new HttpError(name, `${doing}: the server's answer (HTTP ${status}) could not be read as S3's answer to that request`, status);
  }
  const bucketRegion = e.Region ?? e.$response?.headers?.['x-amz-bucket-region'];
  if ((code !== undefined && WRONG_REGION_CODES.has(code) && bucketRegion !== undefined) || code === 'PermanentRedirect' || (status === 301 && bucketRegion !== undefined)) {
    const shown = typeof bucketRegion === 'string' && /^[a-z0-9][a-z0-9-]{0,31}$/.test(bucketRegion) ? `, ${bucketRegion}` : '';
    return new HttpError(name, `${doing}: the bucket is in another AWS region${shown} (set AWS_REGION, or the profile's region, to it)`, status);
  }
  if (code === 'NoSuchBucket') return new HttpError(name, `${doing}: no such bucket (HTTP 404)`, 404);
  if (status === 403 || code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    return new HttpError(name, `${doing}: access denied (HTTP 403${code ? `, ${code}` : ''}): check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, a role) and that they may write to this bucket`, 403);
  }
  const reason = status ? `HTTP ${status}${code && code !== 'Error' && code !== 'Unknown' ? ` ${code}` : ''}` : (e.message ?? String(err));
  return new HttpError(name, `${doing}: ${reason}`, status);
}

/** An s3:// object's address for http-source: each request signed as it is made. */
export function s3Address(location: string, options: RemoteOptions = {}): RemoteAddress {
  const { bucket, key, name } = parseS3Url(location);
  const signed: Partial<Record<'GET' | 'HEAD', { url: Promise<string>; renewAt: number }>> = {};
  return {
    name,
    headers: { ...options.headers },
    probe: 'head',
    explain: (status) =>
      status === 404
        ? 'not found (HTTP 404): no such bucket, or no object of that key in it'
        : status === 403
          ? 'access denied (HTTP 403): check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, a role) and that they may read this bucket'
          : undefined,
    href: (method) => {
      const cached = signed[method];
      if (cached && performance.now() < cached.renewAt) return cached.url;
      const renewAt = performance.now() + (SIGNED_FOR_SECONDS - RESIGN_WITH_SECONDS_LEFT) * 1000;
      const url = sdkFor(name)
        .then((s) => s.sign(bucket, key, method))
        .catch((err: unknown) => {
          delete signed[method]; // the next request tries again
          throw err instanceof HttpError ? err : setupError(name, err);
        });
      signed[method] = { url, renewAt };
      return url;
    },
  };
}

/** Bucket and key prefix of an s3://bucket/prefix/ folder (the prefix ends in `/`, or is empty for the whole bucket). */
export function parseS3Folder(location: string): { bucket: string; prefix: string; name: string } {
  const { bucket, rest: given } = splitS3(location, 's3://bucket/prefix/');
  const prefix = given === '' || given.endsWith('/') ? given : `${given}/`;
  return { bucket, prefix, name: `s3://${bucket}/${prefix}` };
}

/**
 * A listing page read whole before the SDK parses it, and refused past
 * MAX_LIST_PAGE_BYTES: the SDK itself would buffer any answer, however large.
 * It sits under the SDK's parser (the deserialize step, low priority), so it
 * sees the raw answer; it is not retried (a server sending too much will again).
 */
function capPageBytes(name: string) {
  return (next: (args: unknown) => Promise<{ response: unknown }>) =>
    async (args: unknown): Promise<{ response: unknown }> => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; headers?: Record<string, string>; body?: unknown };
      const body = response.body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      if (!body || typeof body !== 'object' || !(Symbol.asyncIterator in body)) return result;
      const tooLarge = () => {
        body.destroy?.();
        return new LimitError(`${name}: a listing page larger than ${MAX_LIST_PAGE_BYTES} bytes (S3 sends under 2 MB for ${S3_KEYS_PER_PAGE} keys); not an S3 listing`);
      };
      if (Number(response.headers?.['content-length'] ?? 0) > MAX_LIST_PAGE_BYTES) throw tooLarge();
      const pieces: Uint8Array[] = [];
      let size = 0;
      for await (const piece of body) {
        size += piece.length;
        if (size > MAX_LIST_PAGE_BYTES) throw tooLarge();
        pieces.push(piece);
      }
      response.body = Buffer.concat(pieces, size);
      return result;
    };
}

/**
 * The keys under an s3:// folder, relative to it, in the store's order, a page
 * at a time; only its own (not those in sub-folders) unless `recursive`.
 * Nothing is held here: the caller keeps what it needs. What the server
 * sends is checked as S3 would send it: every key under the prefix, pages of
 * bounded size, a continuation token never seen before, a last page.
 */
export async function* listS3Keys(location: string, options: { recursive: boolean; signal?: AbortSignal }): AsyncGenerator<string> {
  const { bucket, prefix, name } = parseS3Folder(location);
  const { client, s3 } = await sdkFor(name);
  const seenTokens = new Set<string>();
  let token: string | undefined;
  for (let pages = 1; ; pages++) {
    if (pages > MAX_LIST_PAGES) throw new LimitError(`${name}: the listing goes on past ${MAX_LIST_PAGES} pages (${MAX_LIST_PAGES * S3_KEYS_PER_PAGE} keys at S3's ${S3_KEYS_PER_PAGE} a page); list a narrower prefix`);
    const command = new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, ...(options.recursive ? {} : { Delimiter: '/' }) });
    command.middlewareStack.add(capPageBytes(name) as never, { step: 'deserialize', priority: 'low', name: 'mxrecCapPageBytes' });
    let page;
    try {
      options.signal?.throwIfAborted();
      page = await client.send(command, { abortSignal: options.signal });
    } catch (err) {
      if (err instanceof LimitError || options.signal?.aborted) throw err;
      throw s3CallError(name, err, 'cannot list');
    }
    // Any XML parses: an answer that is no ListBucketResult (an HTML page, a proxy's) must not read as an empty listing.
    if (page.IsTruncated === undefined && page.KeyCount === undefined) {
      throw new HttpError(name, `listing page ${pages} is not an S3 listing (it says neither whether more keys follow nor how many it holds)`);
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined) continue;
      if (!key.startsWith(prefix)) throw new HttpError(name, `the listing holds a key outside the prefix asked for: ${quoted(key)}; not an S3 listing`);
      yield key.slice(prefix.length);
    }
    if (!page.IsTruncated) return;
    token = page.NextContinuationToken;
    if (!token) throw new HttpError(name, `listing page ${pages} says more keys follow but gives no continuation token; not an S3 listing`);
    // Tokens are remembered by digest: a server could make them long.
    const digest = crypto.createHash('sha256').update(token).digest('base64');
    if (seenTokens.has(digest)) throw new HttpError(name, `listing page ${pages} hands out a continuation token given before: the listing would never end`);
    seenTokens.add(digest);
  }
}

/** Deletes an object (S3 answers success whether or not it was there). */
export async function removeS3Object(location: string): Promise<void> {
  const { bucket, key, name } = parseS3Url(location);
  const { client, s3 } = await sdkFor(name);
  try {
    await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    throw s3CallError(name, err, 'cannot delete');
  }
}

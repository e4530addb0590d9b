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
import type { S3Client } from '@aws-sdk/client-s3';
import type { HttpOptions, RemoteAddress } from './http-source.js';
import { displayLocation } from './display-name.js';
import { HttpError } from './http-source.js';
import { Presigner } from './s3-presign.js';

/** Bucket and key of an s3:// location, and its name in messages (`s3://bucket/key`, one spelling for every use). */
export function parseS3Url(location: string): { bucket: string; key: string; name: string } {
  const m = /^s3:\/\/([^/?#]+)\/([^?#]*)$/i.exec(location);
  if (!m || m[2] === '') throw new HttpError(displayLocation(location), 'expected s3://bucket/key');
  const key = decodeURIComponent(m[2]!);
  return { bucket: m[1]!, key, name: `s3://${m[1]}/${key}` };
}

export interface Sdk {
  client: S3Client;
  s3: typeof import('@aws-sdk/client-s3');
  sign(bucket: string, key: string, method: 'GET' | 'HEAD'): Promise<string>;
}

let sdk: Promise<Sdk> | null = null;

/** Deadlines of the SDK's own requests (uploads, listings): to connect, and for a socket with nothing to say. */
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 60_000;

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
    const requestHandler = { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: IDLE_TIMEOUT_MS };
    const client = new s3.S3Client(endpoint ? { endpoint, forcePathStyle: true, requestHandler } : { requestHandler });
    const presigner = new Presigner(client, s3, presign, SIGNED_FOR_SECONDS);
    return { client, s3, sign: (bucket, key, method) => presigner.sign(bucket, key, method) };
  })();
  return sdk;
}

/** loadSdk() for a request about `name`: a setup failure (no credentials, no region) is said about it. */
export function sdkFor(name: string): Promise<Sdk> {
  return loadSdk().catch((err: unknown) => {
    throw setupError(name, err);
  });
}

/** What the SDK's chain could not find, in words a user can act on. */
export function setupError(location: string, err: unknown): HttpError {
  const e = err as Error;
  if (e.name === 'CredentialsProviderError' || /credential/i.test(e.message)) {
    return new HttpError(location, 'no AWS credentials found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance or container role)');
  }
  if (/region/i.test(e.message)) return new HttpError(location, 'no AWS region set (AWS_REGION, or a region in the profile)');
  return new HttpError(location, `cannot sign the request: ${e.message}`);
}

/** An S3 SDK failure as one line about the object, without keys or signatures. */
export function s3CallError(name: string, err: unknown, doing: string): Error {
  const e = err as Error & { $metadata?: { httpStatusCode?: number }; Code?: string; code?: string };
  const status = e.$metadata?.httpStatusCode;
  const code = e.name;
  if (code === 'CredentialsProviderError' || /credential|region/i.test(e.message ?? '')) return setupError(name, err);
  if (code === 'NoSuchBucket' || (status === 404 && /bucket/i.test(e.message ?? ''))) return new HttpError(name, `${doing}: no such bucket (HTTP 404)`, 404);
  if (status === 403 || code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    return new HttpError(name, `${doing}: access denied (HTTP 403, ${code}): check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, a role) and that they may write to this bucket`, 403);
  }
  const reason = status ? `HTTP ${status}${code && code !== 'Error' && code !== 'Unknown' ? ` ${code}` : ''}` : (e.message ?? String(err));
  return new HttpError(name, `${doing}: ${reason}`, status);
}

/** An s3:// object's address for http-source: each request signed as it is made. */
export function s3Address(location: string, options: HttpOptions = {}): RemoteAddress {
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
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(location);
  if (!m) throw new HttpError(displayLocation(location), 'expected s3://bucket/prefix/');
  const given = decodeURIComponent(m[2] ?? '');
  const prefix = given === '' || given.endsWith('/') ? given : `${given}/`;
  return { bucket: m[1]!, prefix, name: `s3://${m[1]}/${prefix}` };
}

/**
 * The keys under an s3:// folder, relative to it, in the store's order; only
 * its own (not those in sub-folders) unless `recursive`. A page of at most
 * 1000 keys is asked for at a time.
 */
export async function listS3Keys(location: string, options: { recursive: boolean }): Promise<string[]> {
  const { bucket, prefix, name } = parseS3Folder(location);
  const { client, s3 } = await sdkFor(name);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, ...(options.recursive ? {} : { Delimiter: '/' }) }),
      );
    } catch (err) {
      throw s3CallError(name, err, 'cannot list');
    }
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key.slice(prefix.length));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
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

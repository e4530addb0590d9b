/**
 * Where input may come from: a local path, an http(s):// URL or an s3:// object. The async
 * openers here are what the tools and the iterator use, so that each accepts
 * either; synchronous readers (FileSource.open, RecordIndex.readSync) stay
 * local-only.
 */
import fs from 'node:fs';
import { type ByteSource, FileSource, readFullySync } from './byte-source.js';
import { type HttpOptions, HttpSource, type RemoteAddress, httpAddress, remoteExists } from './remote/http-source.js';
import { parseS3Url, s3Address } from './remote/s3.js';
import { isS3Url, isUrl, parseUrl } from './url.js';
import { LimitError } from './limits.js';

export { isUrl };

/** Where the requests for a URL go: as it is, or signed for S3. */
export function remoteAddress(url: string, http?: HttpOptions): RemoteAddress {
  return isS3Url(url) ? s3Address(url, http) : httpAddress(url, http);
}

/** Opens a path or URL (http(s):// or s3://) for reading. */
export async function openLocation(location: string, http?: HttpOptions): Promise<ByteSource> {
  return isUrl(location) ? HttpSource.openAt(remoteAddress(location, http), http) : FileSource.open(location);
}

/** The same location with its `.rec` ending replaced (in a URL's path; its query string is kept). */
export function withExtension(location: string, from: RegExp, to: string): string {
  if (!isUrl(location)) return location.replace(from, '') + to;
  // An s3:// location is a bucket and a key, checked here (it need not parse as a URL); it has no query.
  if (isS3Url(location)) {
    parseS3Url(location);
    return location.replace(from, '') + to;
  }
  const u = parseUrl(location);
  u.pathname = u.pathname.replace(from, '') + to;
  return u.href;
}

/** The `.idx` beside a local `.rec` if there is one, else null. */
export function localSiblingIndex(recPath: string): string | null {
  const candidate = withExtension(recPath, /\.rec$/i, '.idx');
  return candidate !== recPath && fs.existsSync(candidate) ? candidate : null;
}

/** The `.idx` beside a `.rec` (path or URL) if there is one, else null. */
export async function siblingIndex(recLocation: string, http?: HttpOptions): Promise<string | null> {
  if (!isUrl(recLocation)) return localSiblingIndex(recLocation);
  const candidate = withExtension(recLocation, /\.rec$/i, '.idx');
  // A server that cannot be reached is reported by the .rec's own open, which comes next.
  return candidate !== recLocation && (await remoteExists(remoteAddress(candidate, http), http).catch(() => false)) ? candidate : null;
}

/** All of an open source's bytes (its size is known), read in one request where the source allows. */
export async function readAll(source: ByteSource): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(source.size);
  for (let done = 0; done < source.size; ) {
    const n = await source.read(bytes, done, source.size - done, done);
    if (n === 0) throw new LimitError(`${source.name}: ended at byte ${done} of ${source.size} while being read`);
    done += n;
  }
  return bytes;
}

function checkWholeSize(source: ByteSource, maxBytes: number, what: string): void {
  if (source.size > maxBytes) throw new LimitError(`${source.name}: expected ${what} of at most ${maxBytes} bytes, received ${source.size}`);
}

/** A whole file (path or URL) of at most `maxBytes`; `what` names it in the refusal ("an image list"). */
export async function readWhole(location: string, maxBytes: number, what: string, http?: HttpOptions): Promise<Buffer> {
  const source = await openLocation(location, http);
  try {
    checkWholeSize(source, maxBytes, what);
    return await readAll(source);
  } finally {
    source.close();
  }
}

/** readWhole() for a local file, synchronously: the size it had when opened, checked before any byte is read. */
export function readWholeSync(path: string, maxBytes: number, what: string): Buffer {
  const source = FileSource.open(path);
  try {
    checkWholeSize(source, maxBytes, what);
    const bytes = Buffer.allocUnsafe(source.size);
    return bytes.subarray(0, readFullySync(source, bytes, 0, source.size, 0));
  } finally {
    source.close();
  }
}

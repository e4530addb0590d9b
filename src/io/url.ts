/**
 * Which locations are URLs (http(s):// and s3://, read by range requests,
 * io/remote/http-source.ts) and
 * the error for one given where only local files go. Kept apart from both
 * kinds of source so that each can ask without importing the other.
 */
import { displayLocation } from './display-name.js';
import { MxrecError, quoted } from '../util/errors.js';

/** A remote location: http://, https:// or s3://. */
export function isUrl(location: string): boolean {
  return /^(https?|s3):\/\//i.test(location);
}

/** An s3://bucket/key location (io/remote/s3.ts). */
export function isS3Url(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/** A location that cannot be what it is written as (a misspelt s3:// address, credentials in one). */
export class LocationError extends MxrecError {
  override readonly name = 'LocationError';
  readonly kind = 'usage';
}

/** An http(s):// location as a URL, or a LocationError saying it is none. */
export function parseUrl(location: string): URL {
  try {
    return new URL(location);
  } catch {
    throw new LocationError(`${quoted(displayLocation(location))}: expected a URL such as https://host/path/file.rec`);
  }
}

/** A URL given to a reader or a command that reads local files only. */
export class LocalOnlyError extends MxrecError {
  override readonly name = 'LocalOnlyError';
  readonly kind = 'usage';
  constructor(url: string) {
    super(`${displayLocation(url)}: only local files are read here; download it first, or use the async API (RecordReader.openAsync, RecordIndex.read, ImageRecordIter.open), which reads URLs`);
  }
}

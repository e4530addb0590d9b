/**
 * Errors about locations, said the same for every store: one that cannot be
 * what it is written as, and one given where only local files go; and the
 * URL parse that says which.
 */
import { displayLocation } from './display-name.js';
import { MxrecError, quoted } from '../util/errors.js';

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

/** A URL given to a reader, a writer or a command that reads or writes local files only (the synchronous API). */
export class LocalOnlyError extends MxrecError {
  override readonly name = 'LocalOnlyError';
  readonly kind = 'usage';
  constructor(url: string, use: 'read' | 'write' = 'read') {
    super(
      use === 'read'
        ? `${displayLocation(url)}: only local files are read here; download it first, or use the async API (RecordReader.openAsync, RecordIndex.read, ImageRecordIter.open), which reads URLs`
        : `${displayLocation(url)}: only local files are written here; use the async API (RecordWriter.createAsync and closeAsync, RecordIndex.write), which writes to any store`,
    );
  }
}

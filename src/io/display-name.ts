/**
 * How a location is shown to people. Local paths are shown as given. URLs
 * lose their user-info (`user:pass@`), query string and fragment: presigned
 * URLs (S3's `X-Amz-Signature=...`, GCS's) carry their secret in the query.
 * Every message, report, JSON field, HTML page and default output name that
 * names an input goes through here, so no credential is printed or saved.
 */
import path from 'node:path';

/** The display form of a path or URL. */
export function displayLocation(location: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  try {
    const u = new URL(location);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // Not a URL after all; keep what precedes anything that looks like credentials or a query.
    return location.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}

/**
 * The last part of a location's display form (a file name), for titles and
 * default output names. A URL's segment is kept encoded, so it cannot name
 * another folder (`%2F`).
 */
export function displayBaseName(location: string): string {
  const shown = displayLocation(location);
  return shown === location ? path.basename(location) : shown.slice(shown.lastIndexOf('/') + 1);
}

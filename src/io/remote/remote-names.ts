/** Names under a remote root, and remote names with another ending: the same for every store with URLs. */
import { parseUrl } from '../url.js';

/**
 * `name` (a plain relative name: nameProblem checked it) under a remote
 * `root`, each part escaped. Joined with a `/` unless ROOT ends in one; glued
 * on (`concat`, im2rec.cc's way) only within ROOT's path: a ROOT that is a
 * bare bucket or host is always joined, so that no name runs on into its
 * name (s3://bucket + -other/x.jpg would be another bucket).
 */
export function remoteNameUnder(root: string, name: string, how: 'join' | 'concat'): string {
  const bare = /^[a-z][a-z0-9+.-]*:\/\/[^/]*$/i.test(root);
  const base = (how === 'join' || bare) && !root.endsWith('/') ? `${root}/` : root;
  return base + name.split('/').map(encodeURIComponent).join('/');
}

/** The same URL with the ending of its path replaced; its query string is kept. */
export function remoteWithExtension(location: string, from: RegExp, to: string): string {
  const u = parseUrl(location);
  u.pathname = u.pathname.replace(from, '') + to;
  return u.href;
}

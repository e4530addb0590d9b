/** Names from data (list paths, bucket keys) that must stay names under the root they belong to. */

/** Any `scheme://` at the start: a name spelt like an address of its own. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Why `path` is not a plain name under a root, or null: a URL, an absolute
 * path, or a `.`, `..` or empty folder would point elsewhere. (A local list's
 * absolute paths are MXNet's own behaviour; under a bucket or URL ROOT, and
 * in names a listing gives, a path must stay under the root.)
 */
export function relativeNameProblem(path: string): string | null {
  if (URL_LIKE.test(path)) return 'is a URL, not a name under ROOT';
  if (path.startsWith('/')) return 'is an absolute path, not a name under ROOT';
  for (const part of path.split('/')) {
    if (part === '') return "has an empty folder name ('//' or a '/' at the end)";
    if (part === '.' || part === '..') return `has a '${part}' folder, which would point outside its own`;
  }
  return null;
}

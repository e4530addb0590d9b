/**
 * The one place that asks what kind a location is: storeOf() picks its store
 * (store.ts) from how it is spelt, by scheme as dmlc-core's Stream::Create
 * does: no scheme is a local path, `http(s)://` a web server, `s3://` a
 * bucket, and any other scheme a store registered for it (registerStore), or
 * an error. Everything else here is said once for every store: reading a
 * file whole within a cap, the `.idx` beside a `.rec`.
 */
import { type ByteSource, BufferSource, readWholeInto, readWholeIntoSync } from './byte-source.js';
import { displayLocation } from './display-name.js';
import { LimitError } from './limits.js';
import { localStore } from './local-store.js';
import { HttpError } from './remote/http-source.js';
import { httpStore } from './remote/http-store.js';
import { s3Store } from './remote/s3-store.js';
import type { RemoteOptions, Store } from './store.js';
import { LocationError } from './url.js';
import { UsageError, quoted } from '../util/errors.js';

const stores = new Map<string, Store>([
  ['http', httpStore],
  ['https', httpStore],
  ['s3', s3Store],
]);

/** `scheme` in `scheme://...` (lower case), or null for a local path. */
function schemeOf(location: string): string | null {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1]!.toLowerCase() ?? null;
}

/**
 * Adds a kind of location: `scheme://...` is then read and written through
 * `store` by every feature (the tests add an in-memory one; gs:// or az://
 * would go here). A scheme that has a store already keeps it.
 */
export function registerStore(scheme: string, store: Store): void {
  const key = scheme.toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(key)) throw new UsageError(`registerStore: expected a URL scheme such as "gs", received ${JSON.stringify(scheme)}`);
  if (!stores.has(key)) stores.set(key, store);
}

/** The store that holds `location`. */
export function storeOf(location: string): Store {
  const scheme = schemeOf(location);
  if (scheme === null) return localStore;
  const store = stores.get(scheme);
  if (!store) throw new LocationError(`${quoted(displayLocation(location))}: no store reads ${scheme}:// locations (local paths, http(s):// and s3:// are read)`);
  return store;
}

/** Whether `location` is a local path (for what only paths have: a working folder to be relative to). */
export function isLocal(location: string): boolean {
  return storeOf(location) === localStore;
}

/** Whether an error from a store says there is nothing under the name (no such file, HTTP 404 or 410). */
export function isNotFound(err: unknown): boolean {
  if (err instanceof HttpError) return err.status === 404 || err.status === 410;
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Whether the store says there is no folder at `location`: nothing under the
 * name, and its listing fails as not found (a local folder that is not
 * there). A store whose folders are only prefixes (a bucket's) lists nothing
 * for one that holds nothing and never says a folder is missing; one across a
 * network is not asked.
 */
export async function folderIsMissing(location: string): Promise<boolean> {
  const store = storeOf(location);
  if (store.remote || (await store.exists(location))) return false;
  try {
    for await (const _name of store.list(location, { recursive: false })) break;
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

/** Opens a location synchronously where its store allows (a local file; else a LocalOnlyError), or wraps bytes already in memory. */
export function openSource(input: string | Uint8Array, name?: string): ByteSource {
  return typeof input === 'string' ? storeOf(input).openSync(input) : new BufferSource(input, name);
}

/** Opens a location for reading. */
export function openLocation(location: string, options?: RemoteOptions): Promise<ByteSource> {
  return storeOf(location).open(location, options);
}

/** The same location with its ending replaced (`.rec` → `.idx`; a URL's query string is kept). */
export function withExtension(location: string, from: RegExp, to: string): string {
  return storeOf(location).withExtension(location, from, to);
}

/** The `.idx` beside a `.rec` if there is one, else null. */
export async function siblingIndex(recLocation: string, options?: RemoteOptions): Promise<string | null> {
  const candidate = withExtension(recLocation, /\.rec$/i, '.idx');
  // A store that cannot be reached is reported by the .rec's own open, which comes next.
  return candidate !== recLocation && (await storeOf(candidate).exists(candidate, options).catch(() => false)) ? candidate : null;
}

function checkWholeSize(source: ByteSource, maxBytes: number, what: string): void {
  if (source.size > maxBytes) throw new LimitError(`${source.name}: expected ${what} of at most ${maxBytes} bytes, received ${source.size}`);
}

/**
 * A whole file of at most `maxBytes`; `what` names it in the refusal ("an
 * image list"). One that ends before its size is a ChangedWhileReadError.
 */
export async function readWhole(location: string, maxBytes: number, what: string, options?: RemoteOptions): Promise<Buffer> {
  const source = await openLocation(location, options);
  try {
    checkWholeSize(source, maxBytes, what);
    const bytes = Buffer.allocUnsafe(source.size);
    await readWholeInto(source, bytes);
    return bytes;
  } finally {
    source.close();
  }
}

/** readWhole() where the store reads synchronously (a local file): the same checks and errors. */
export function readWholeSync(location: string, maxBytes: number, what: string): Buffer {
  const source = storeOf(location).openSync(location);
  try {
    checkWholeSize(source, maxBytes, what);
    const bytes = Buffer.allocUnsafe(source.size);
    readWholeIntoSync(source, bytes);
    return bytes;
  } finally {
    source.close();
  }
}

/**
 * Where bytes live. One store per kind of location, chosen once from how the
 * location is spelt (locations.ts: storeOf), as dmlc-core's Stream::Create
 * and DALI's FileStream::Open choose by URI scheme:
 *
 *     a path              local files                      local-store.ts
 *     http://, https://   a web server, read only          remote/http-store.ts
 *     s3://bucket/key     S3 and S3-compatible stores      remote/s3-store.ts
 *
 * A store offers what the features need and no more: reading (a ByteSource,
 * synchronously where the kind allows it), whether a location exists,
 * listing a folder, and outputs that appear whole or not at all with the
 * rules every command that writes keeps (output-claim.ts). The features
 * (format, im2rec, iter, tools) go through it and never ask which kind a
 * location is; what differs between kinds is a property of the store
 * (`remote`, `resumable`) or a question it answers (`nameProblem`). A new
 * kind (gs://, a test's mem://) is a Store registered under its scheme
 * (registerStore).
 */
import type { ByteSource } from './byte-source.js';

/** The remote options' former name (it named a transport), refused with this, never ignored: its headers may carry credentials. */
export const RENAMED_REMOTE = { http: 'remote (the same RemoteOptions: retries, timeouts, headers)' } as const;

/**
 * How reads from a store that answers over a network behave; a local store
 * has no use for them: how long to wait and how often to try again, whatever
 * the transport.
 */
export interface RemoteOptions {
  /** Attempts after the first for one read, or since the last that brought bytes. Default 5. */
  retries?: number;
  /** Pause before the first retry, doubled for each next one (up to 8 s). Default 250 ms. */
  retryDelayMs?: number;
  /** Give up on an attempt that sends nothing for this long. Default 30 s. */
  timeoutMs?: number;
  /** Give up on an attempt that has not finished after this long, however it progresses. Default 10 min. */
  deadlineMs?: number;
  /** Give up on an attempt slower than this, on average, once `timeoutMs` has passed. Default 16 KiB/s. */
  minBytesPerSecond?: number;
  /** Extra request headers (an Authorization header, say). */
  headers?: Record<string, string>;
  /** Told about each retry, for logs. */
  onRetry?: (event: { url: string; position: number; attempt: number; reason: string }) => void;
}

/** Bytes written in order to a name they get only when published. */
export interface OutputFile {
  /** Where the file appears (a path, or s3://bucket/key). */
  readonly path: string;
  /** Bytes written so far. */
  readonly size: number;
  /** Appends bytes (copied or written at once: the caller may reuse them). */
  writeSync(bytes: Uint8Array, offset?: number, length?: number): void;
  /** Appends pieces in order, with as few system calls or copies as the kind allows. */
  writevSync(pieces: readonly Uint8Array[]): void;
  /** null when more may be written now; else a promise to await first (an upload that fell behind). */
  ready(): Promise<void> | null;
  /** No more bytes (flushed to disk for a local file unless fsync is false). */
  finish(options?: { fsync?: boolean }): void;
  /** null when every byte is stored and only publishing is left (a local file, once finished); else a promise of that (an upload still going up). */
  staged(): Promise<void> | null;
  /** Gives the finished file its name; returns whether the name is new (so a failed group can take it back). */
  publish(): boolean | Promise<boolean>;
  /** Takes a published name back (a later output of its group failed). */
  unpublish(): void | Promise<void>;
  /** Drops the output; the name is left as it was. */
  abort(): void | Promise<void>;
  /**
   * A resumable store's output written through a `tempPath`: stops writing
   * and keeps the bytes there, for a later run to continue (`continueAt`).
   */
  release?(): void;
}

/** How a store makes an output (Store.create, Store.createSync). */
export interface OutputOptions {
  /** Replace what is under the name (the CLI's --force). Default false: refuse it. */
  overwrite?: boolean;
  /**
   * Resumable stores only (local files): write through this named temporary
   * file, kept if the run stops before publishing (im2rec's `OUT.rec.partial`),
   * instead of an anonymous one that goes.
   */
  tempPath?: string;
  /** With `tempPath`: continue that file, keeping its first `continueAt` bytes. */
  continueAt?: number;
}

/** An output a run holds until it ends (a lock file, for local outputs). */
export interface OutputHold {
  /** The pid of a dead run on this host whose hold this one took over, or null. */
  readonly tookOverFrom: number | null;
  /** Gives the output up (also done when the process exits). */
  release(): void;
}

/** How Store.list walks a folder. */
export interface ListOptions {
  /** Names in sub-folders too (relative to the folder, `/`-separated). Default: the folder's own files. */
  recursive: boolean;
  /** Stops the listing at the next page or folder. */
  signal?: AbortSignal;
}

export interface Store {
  /** What the store holds, in messages ("local file", "s3:// object"). */
  readonly kind: string;
  /** Requests cross a network and wait for it: the features keep more of them in flight. */
  readonly remote: boolean;
  /** A partial output can be kept and continued (im2rec --resume; OutputOptions.tempPath, OutputFile.release): local files only. */
  readonly resumable: boolean;
  /** Memory one streamed output holds while it is written (bounds how many a run may write at once). */
  readonly outputMemory: number;

  /** How a location is named in messages, reports and pages (no credential, no signed query). */
  display(location: string): string;
  /** The location in one spelling that does not depend on the working folder (notes, comparisons). */
  absolute(location: string): string;

  /** Opens for reading. */
  open(location: string, options?: RemoteOptions): Promise<ByteSource>;
  /** Opens for reading synchronously where the kind allows it, else a LocalOnlyError. */
  openSync(location: string): ByteSource;
  /** Opens a file to be read whole, in one request where the kind allows (its size known before its bytes). */
  openWhole(location: string, options?: RemoteOptions): Promise<ByteSource>;
  /** Whether something is there under that name. */
  exists(location: string, options?: RemoteOptions): Promise<boolean>;
  /** Whether the location names a folder (a local folder, or a prefix ending in `/`). */
  isFolder(location: string): boolean;
  /**
   * The names under a folder (a local folder, a bucket prefix), relative to
   * it. A local folder gives its own files in the order the system lists them
   * (as dmlc does), a tree in os.walk's order, each real folder once; a bucket
   * in the store's order. Callers that need an order of their own sort.
   */
  list(folder: string, options: ListOptions): AsyncIterable<string>;
  /** `name`, a relative name from a list or a listing, under `root`: joined, or glued on as im2rec.cc does (`concat`). */
  nameUnder(root: string, name: string, how: 'join' | 'concat'): string;
  /** Why `name` cannot be read under a root of this store, or null (a local list may name absolute paths, as MXNet's). */
  nameProblem(name: string): string | null;
  /** The same location with its ending `from` replaced by `to` (`.rec` → `.idx`). */
  withExtension(location: string, from: RegExp, to: string): string;

  /** Refuses a name no output of this kind can have (a URL to write, a folder that does not exist). */
  checkOutputName(location: string): void;
  /** Holds an output for the run (a lock), or null where the kind has none. */
  hold(location: string): OutputHold | null;
  /** Removes what the dead run `pid` left half-written of this output (its temporaries). */
  removeLeftovers(location: string, pid: number): void;
  /** Refuses an output that is one of `inputs` (even through a link) or that exists, unless `overwrite`. */
  checkOutput(location: string, check: { inputs: readonly string[]; overwrite: boolean }): Promise<void>;
  /** Makes the folder an output goes in, where the kind has folders. */
  makeFolderFor(location: string): void;
  /** A new output under `location`; nothing appears there until it is published. */
  create(location: string, options?: OutputOptions): Promise<OutputFile>;
  /**
   * create() synchronously, where the kind allows it (local files): for the
   * synchronous API (RecordWriter.create, RecordIndex.writeSync). Its outputs
   * never wait: staged() is null and publish() returns a boolean. A kind
   * without it (or that throws one) is written through the async API only:
   * LocalOnlyError.
   */
  createSync?(location: string, options?: OutputOptions): OutputFile;
  /** Removes the file or object if there is one. */
  remove(location: string): Promise<void>;
}

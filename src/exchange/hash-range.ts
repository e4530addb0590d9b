/**
 * The SHA-256 of source bytes [from, to), for the export manifest, computed
 * beside the export instead of after it. A local file is hashed on a worker
 * thread of its own (the hash then costs a core that would otherwise wait,
 * not the export's time); the worker is plain JavaScript that reads the file
 * with `fs`, so it runs the same from source and built. A remote source is
 * hashed on the main thread as its bytes arrive: the network, not the CPU,
 * bounds that export.
 */
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { displayLocation } from '../io/display-name.js';
import type { ByteSource } from '../io/byte-source.js';
import { isLocal, openLocation } from '../io/locations.js';
import { MxrecError } from '../util/errors.js';

/** The source could not be read again for its hash (it changed, or went away, while exported). */
export class SourceHashError extends MxrecError {
  override readonly name = 'SourceHashError';
  readonly kind = 'io';
}

export interface RangeHash {
  /** The hash in hex, once the range has been read. */
  readonly digest: Promise<string>;
  /** Stops hashing (the export failed or was stopped). */
  stop(): void;
}

const BLOCK = 8 << 20;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { file, from, to, block } = workerData;
try {
  const fd = fs.openSync(file, 'r');
  const hash = crypto.createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(block, to - from)));
  for (let at = from; at < to; ) {
    const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, to - at), at);
    if (n === 0) throw new Error('the file ended at byte ' + at + ' while it was exported');
    hash.update(buffer.subarray(0, n));
    at += n;
  }
  fs.closeSync(fd);
  parentPort.postMessage({ sha256: hash.digest('hex') });
} catch (err) {
  parentPort.postMessage({ error: err.message });
}`;

export function hashRange(location: string, from: number, to: number): RangeHash {
  const fail = (detail: string) => new SourceHashError(`${displayLocation(location)}: reading it again for its SHA-256: ${detail}`);
  if (!isLocal(location)) {
    const stop = new AbortController();
    const digest = hashRemote(location, from, to, stop.signal).catch((err: unknown) => {
      throw err instanceof MxrecError ? err : fail(err instanceof Error ? err.message : String(err));
    });
    digest.catch(() => {}); // awaited by the export, or dropped with it
    return { digest, stop: () => stop.abort() };
  }
  const worker = new Worker(WORKER, { eval: true, workerData: { file: location, from, to, block: BLOCK } });
  const digest = new Promise<string>((resolve, reject) => {
    worker.once('message', (m: { sha256?: string; error?: string }) => (m.sha256 ? resolve(m.sha256) : reject(fail(m.error ?? 'failed'))));
    worker.once('error', (err) => reject(fail(err.message)));
    worker.once('exit', (code) => reject(fail(`the hashing thread stopped (exit ${code})`)));
  });
  digest.catch(() => {});
  return { digest, stop: () => void worker.terminate() };
}

async function hashRemote(location: string, from: number, to: number, signal: AbortSignal): Promise<string> {
  const source = await openLocation(location);
  try {
    const { sha256, read } = await sha256Of(source, from, to, { signal });
    if (read < to - from) throw new Error(`the file ended at byte ${from + read} while it was exported`);
    return sha256;
  } finally {
    source.close();
  }
}

/**
 * The SHA-256 of source bytes [from, to), read a block at a time on this
 * thread, and how many bytes there were (fewer when the source ends early:
 * the caller says what that means). `onBytes` is told of each block.
 */
export async function sha256Of(
  source: ByteSource,
  from: number,
  to: number,
  options: { signal?: AbortSignal; onBytes?: (n: number) => void } = {},
): Promise<{ sha256: string; read: number }> {
  const hash = crypto.createHash('sha256');
  const block = Buffer.allocUnsafe(Math.max(1, Math.min(BLOCK, to - from)));
  let at = from;
  while (at < to) {
    options.signal?.throwIfAborted();
    const n = await source.read(block, 0, Math.min(block.length, to - at), at);
    if (n === 0) break;
    hash.update(block.subarray(0, n));
    at += n;
    options.onBytes?.(n);
  }
  return { sha256: hash.digest('hex'), read: at - from };
}

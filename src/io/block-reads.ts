/**
 * Where a scan's read-ahead blocks are read. Two back ends with one surface:
 *
 * - ThreadReads: the mxrec_io addon's own reader threads (native/src/read_queue.cc).
 *   A read can be waited for synchronously or asynchronously, so sync scans
 *   read ahead too, and no read competes with other work on libuv's pool.
 * - PoolReads: fs.read on libuv's thread pool; async only. Used where the
 *   addon is not built, and for sources that are not local files.
 * The threading rules: ARCHITECTURE.md, "Read-queue threading".
 */
import os from 'node:os';
import util from 'node:util';
import { loadAddon } from '../native/load-addon.js';
import { type ByteSource, readFully } from './byte-source.js';

export interface BlockReads {
  /** Whether waitSync works. */
  readonly sync: boolean;
  /** Starts reading `length` bytes at file `position` into buffer[offset..]; returns a ticket. */
  start(buffer: Buffer, offset: number, length: number, position: number): number;
  /** Bytes read for a ticket (fewer than asked only at the end of the source). */
  wait(ticket: number): Promise<number>;
  waitSync(ticket: number): number;
  /** Stops reading; reads not waited for are abandoned. */
  close(): void;
}

interface NativeReadQueue {
  submit(buffer: Buffer, offset: number, length: number, position: number): number;
  /** Bytes read, or -errno. Blocks until that read is done. */
  collect(id: number): number;
  close(): void;
}
interface IoAddon {
  ReadQueue: new (fd: number, threads: number, onRead?: (id: number) => void) => NativeReadQueue;
}

const loaded = loadAddon<IoAddon>('mxrec_io');
const io = loaded.addon;

/** Whether scans of local files read ahead on the addon's threads; if not, why. */
export const readerThreads = { available: io !== null, reason: loaded.reason };

/** Reader threads per scan: one per core, up to 4; copying out of the page cache is all they do. */
const THREADS = Math.min(Math.max(os.availableParallelism(), 1), 4);

/** The error fs.readSync would have thrown for the same failure (`errno` negative, as in Node). */
function readError(errno: number, name: string): Error {
  const code = util.getSystemErrorName(errno);
  const message = util.getSystemErrorMap().get(errno)?.[1] ?? 'read failed';
  return Object.assign(new Error(`${code}: ${message}, read '${name}'`), { errno, code, syscall: 'read', path: name });
}

export class ThreadReads implements BlockReads {
  readonly sync = true;
  private readonly queue: NativeReadQueue;
  /** Async waits: resolved when the addon announces the read done. */
  private readonly announced = new Map<number, () => void>();
  private readonly early = new Set<number>();

  /** Held here: the addon holds it only while reads are outstanding, so a scan dropped half-way can be collected. */
  private readonly onRead: ((id: number) => void) | undefined;

  private constructor(
    fd: number,
    private readonly name: string,
    withCallbacks: boolean,
  ) {
    this.onRead = withCallbacks ? (id) => this.announce(id) : undefined;
    this.queue = new io!.ReadQueue(fd, THREADS, this.onRead);
  }

  /** Reader threads for a local file, or null where the addon is missing or the source is not a file. */
  static forSource(source: ByteSource, mode: 'sync' | 'async'): ThreadReads | null {
    if (!io || source.fd === undefined) return null;
    return new ThreadReads(source.fd, source.name, mode === 'async');
  }

  private announce(id: number): void {
    const resolve = this.announced.get(id);
    if (resolve) {
      this.announced.delete(id);
      resolve();
    } else {
      this.early.add(id);
    }
  }

  start(buffer: Buffer, offset: number, length: number, position: number): number {
    return this.queue.submit(buffer, offset, length, position);
  }

  waitSync(ticket: number): number {
    this.early.delete(ticket);
    const n = this.queue.collect(ticket);
    if (n < 0) throw readError(n, this.name);
    return n;
  }

  async wait(ticket: number): Promise<number> {
    if (!this.early.has(ticket)) await new Promise<void>((resolve) => this.announced.set(ticket, resolve));
    return this.waitSync(ticket);
  }

  close(): void {
    this.queue.close();
    this.announced.clear();
    this.early.clear();
  }
}

export class PoolReads implements BlockReads {
  readonly sync = false;
  private readonly reads = new Map<number, Promise<number>>();
  private nextTicket = 0;

  constructor(private readonly source: ByteSource) {}

  start(buffer: Buffer, offset: number, length: number, position: number): number {
    const ticket = this.nextTicket++;
    const read = readFully(this.source, buffer, offset, length, position);
    read.catch(() => {}); // waited for (and thrown) by wait(), or abandoned by close()
    this.reads.set(ticket, read);
    return ticket;
  }

  wait(ticket: number): Promise<number> {
    const read = this.reads.get(ticket)!;
    this.reads.delete(ticket);
    return read;
  }

  waitSync(): number {
    // invariant: PoolReads serve async scans only (reader.ts), which never wait synchronously.
    throw new Error('PoolReads cannot wait synchronously');
  }

  close(): void {
    this.reads.clear();
  }
}

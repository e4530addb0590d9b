/**
 * Outputs whose SHA-256 is taken as their bytes are written (for the export
 * manifest), on a worker thread: the bytes pass through the hash once, on
 * their way out, instead of being read back, and the hash costs a core that
 * would otherwise wait, not the export's time (on one thread it took as long
 * as framing and writing together). Bytes go to the worker in blocks of
 * 1 MiB, copied once and handed over (transferred, not cloned), and come
 * back to be filled again (fresh memory for every block cost more, in page
 * faults, than the copies); at most IN_FLIGHT bytes wait for the worker, and
 * ready() holds the writer back beyond that.
 * The worker is plain JavaScript (node:crypto only), so it runs the same from
 * source and built.
 */
import { Worker } from 'node:worker_threads';
import type { OutputFile } from '../io/store.js';

const BLOCK = 1 << 20;
const IN_FLIGHT = 64 << 20;

const WORKER = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let hash = hashes.get(m.id);
  if (!hash) hashes.set(m.id, (hash = crypto.createHash('sha256')));
  if (m.bytes) {
    hash.update(new Uint8Array(m.bytes, 0, m.length));
    parentPort.postMessage({ done: m.length, bytes: m.bytes }, [m.bytes]);
  } else {
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, sha256: hash.digest('hex') });
  }
});`;

/** One worker hashing any number of outputs, one block at a time. */
export class Hasher {
  private readonly worker = new Worker(WORKER, { eval: true });
  private inFlight = 0;
  private nextId = 0;
  private readonly digests = new Map<number, { resolve: (sha256: string) => void; reject: (err: Error) => void }>();
  private drained: { below: number; resolve: () => void }[] = [];
  private failure: Error | null = null;
  /** Blocks back from the worker, to be filled again. */
  private readonly free: ArrayBuffer[] = [];

  constructor() {
    this.worker.on('message', (m: { done?: number; bytes?: ArrayBuffer; id?: number; sha256?: string }) => {
      if (m.done !== undefined) {
        this.inFlight -= m.done;
        if (m.bytes!.byteLength === BLOCK) this.free.push(m.bytes!);
        this.drained = this.drained.filter((w) => (this.inFlight <= w.below ? (w.resolve(), false) : true));
      } else this.digests.get(m.id!)?.resolve(m.sha256!);
    });
    // A worker that fails or stops settles everything waiting on it (an export must fail, not hang).
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const { reject } of this.digests.values()) reject(this.failure);
      this.digests.clear();
      for (const w of this.drained.splice(0)) w.resolve(); // the next send() throws the failure
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the thread hashing the shards stopped (exit ${code})`)));
  }

  /** A new output's id. */
  open(): number {
    return this.nextId++;
  }

  /** A block to fill: one the worker gave back, else a new one. */
  block(): Buffer {
    const bytes = this.free.pop();
    return bytes ? Buffer.from(bytes) : Buffer.allocUnsafeSlow(BLOCK);
  }

  /** Hands a block over (it is transferred: the caller must not touch it again). */
  send(id: number, block: Buffer, length: number): void {
    if (this.failure) throw this.failure;
    this.inFlight += length;
    const bytes = block.buffer.byteLength === block.length && block.byteOffset === 0 ? block.buffer : block.buffer.slice(block.byteOffset, block.byteOffset + length);
    this.worker.postMessage({ id, bytes, length }, [bytes as ArrayBuffer]);
  }

  /** null when few bytes wait; else a promise of fewer. */
  ready(): Promise<void> | null {
    if (this.inFlight <= IN_FLIGHT) return null;
    return new Promise((resolve) => this.drained.push({ below: IN_FLIGHT / 2, resolve }));
  }

  digest(id: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.digests.set(id, {
        resolve: (sha256) => {
          this.digests.delete(id);
          resolve(sha256);
        },
        reject,
      });
      this.worker.postMessage({ id });
    });
  }

  close(): void {
    this.failure ??= new Error('the hasher is closed');
    void this.worker.terminate();
  }
}

export class HashedOutput implements OutputFile {
  private readonly id: number;
  private block: Buffer;
  private used = 0;
  private finished = false;

  constructor(
    private readonly inner: OutputFile,
    private readonly hasher: Hasher,
  ) {
    this.id = hasher.open();
    this.block = hasher.block();
  }

  get path(): string {
    return this.inner.path;
  }

  get size(): number {
    return this.inner.size;
  }

  /** The SHA-256 of every byte written, in hex (once, when writing is over). */
  digest(): Promise<string> {
    this.flush();
    return this.hasher.digest(this.id);
  }

  private hash(bytes: Uint8Array): void {
    if (bytes.byteLength >= BLOCK) {
      this.flush();
      const copy = Buffer.allocUnsafe(bytes.byteLength);
      copy.set(bytes);
      this.hasher.send(this.id, copy, copy.length);
      return;
    }
    if (this.used + bytes.byteLength > BLOCK) this.flush();
    this.block.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.hasher.send(this.id, this.block, this.used);
    this.block = this.hasher.block();
    this.used = 0;
  }

  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.hash(bytes.subarray(offset, offset + length));
    this.inner.writeSync(bytes, offset, length);
  }

  writevSync(pieces: readonly Uint8Array[]): void {
    for (const piece of pieces) this.hash(piece);
    this.inner.writevSync(pieces);
  }

  ready(): Promise<void> | null {
    const mine = this.hasher.ready();
    const theirs = this.inner.ready();
    return mine && theirs ? Promise.all([mine, theirs]).then(() => {}) : (mine ?? theirs);
  }

  /**
   * Finishes once; later calls (publishing finishes every output it is
   * given) do nothing. An export finishes each shard as it ends, so that a
   * thousand shards waiting to be published hold no file descriptors.
   */
  finish(options?: { fsync?: boolean }): void {
    if (this.finished) return;
    this.finished = true;
    this.inner.finish(options);
  }

  staged(): Promise<void> | null {
    return this.inner.staged();
  }

  publish(): boolean | Promise<boolean> {
    return this.inner.publish();
  }

  unpublish(): void | Promise<void> {
    return this.inner.unpublish();
  }

  abort(): void | Promise<void> {
    return this.inner.abort();
  }
}

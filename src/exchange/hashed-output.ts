/**
 * An output whose SHA-256 is taken as its bytes are written (for the export
 * manifest): the bytes pass through the hash once, on their way out, instead
 * of being read back. It may be finished before it is published with others
 * (an export finishes each shard as it ends, so that a thousand shards
 * waiting to be published hold no file descriptors).
 */
import crypto from 'node:crypto';
import type { OutputFile } from '../io/store.js';

export class HashedOutput implements OutputFile {
  private readonly hash = crypto.createHash('sha256');
  private finished = false;

  constructor(private readonly inner: OutputFile) {}

  get path(): string {
    return this.inner.path;
  }

  get size(): number {
    return this.inner.size;
  }

  /** The SHA-256 of every byte written, in hex (once, when writing is over). */
  digest(): string {
    return this.hash.digest('hex');
  }

  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.hash.update(bytes.subarray(offset, offset + length));
    this.inner.writeSync(bytes, offset, length);
  }

  writevSync(pieces: readonly Uint8Array[]): void {
    for (const piece of pieces) this.hash.update(piece);
    this.inner.writevSync(pieces);
  }

  ready(): Promise<void> | null {
    return this.inner.ready();
  }

  /** Finishes once; later calls (publishing finishes every output it is given) do nothing. */
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

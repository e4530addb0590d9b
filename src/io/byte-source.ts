/**
 * Random-access byte sources the record reader pulls from. The reader asks for
 * large ranges (megabytes), so one read call serves many records.
 */
import fs from 'node:fs';
import { asBuffer } from './as-buffer.js';

export interface ByteSource {
  /** Shown in error messages: a path, or '<buffer>'. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** The open file descriptor, for a local file: what the addon's reader threads read from. */
  readonly fd?: number;
  /** Whether readSync works: true for files and buffers, false for URLs (range requests are asynchronous). */
  readonly syncReads: boolean;
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns the count, 0 at the end. */
  readSync(buffer: Buffer, offset: number, length: number, position: number): number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): void;
}

export class FileSource implements ByteSource {
  readonly syncReads = true;
  private open: number | null;

  private constructor(
    readonly name: string,
    fd: number,
    readonly size: number,
  ) {
    this.open = fd;
  }

  static open(path: string): FileSource {
    const fd = fs.openSync(path, 'r');
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) {
        const code = stat.isDirectory() ? 'EISDIR' : 'EINVAL';
        throw Object.assign(new Error(`${code}: not a regular file, open '${path}'`), { code, syscall: 'open', path });
      }
      return new FileSource(path, fd, stat.size);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  get fd(): number | undefined {
    return this.open ?? undefined;
  }

  private handle(): number {
    if (this.open === null) throw new Error(`${this.name}: read after close`);
    return this.open;
  }

  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    return fs.readSync(this.handle(), buffer, offset, length, position);
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const fd = this.handle();
    return new Promise((resolve, reject) => {
      fs.read(fd, buffer, offset, length, position, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }

  close(): void {
    if (this.open !== null) {
      fs.closeSync(this.open);
      this.open = null;
    }
  }
}

export class BufferSource implements ByteSource {
  readonly syncReads = true;
  readonly size: number;
  private readonly bytes: Buffer;

  constructor(bytes: Uint8Array, readonly name = '<buffer>') {
    this.bytes = asBuffer(bytes);
    this.size = bytes.byteLength;
  }

  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    if (position >= this.size) return 0;
    return this.bytes.copy(buffer, offset, position, Math.min(this.size, position + length));
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return Promise.resolve(this.readSync(buffer, offset, length, position));
  }

  close(): void {}
}

/** Reads until `length` bytes arrived or the source ended; returns the count read. */
export function readFullySync(src: ByteSource, buffer: Buffer, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = src.readSync(buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

export async function readFully(
  src: ByteSource,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await src.read(buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

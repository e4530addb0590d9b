/**
 * Random-access byte sources the record reader pulls from. The reader asks for
 * large ranges (megabytes), so one read call serves many records.
 */
import fs from 'node:fs';
import { asBuffer } from '../util/as-buffer.js';
import { MxrecError, UsageError } from '../util/errors.js';

export interface ByteSource {
  /** Shown in error messages: a path, or '<buffer>'. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** The open file descriptor, for a local file: what the addon's reader threads read from. */
  readonly fd?: number;
  /** When a local file was last modified (ns), where the source knows it (a resumed pack compares it). */
  readonly modifiedNs?: bigint;
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
    if (this.open === null) throw new UsageError(`${this.name}: read after close()`);
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

/**
 * A file read whole changed while being read: its size when found differs
 * from its size when opened (WholeFileSource), or it ended before the size it
 * had when opened (readWholeInto). One error for both, whoever reads.
 */
export class ChangedWhileReadError extends MxrecError {
  override readonly name = 'ChangedWhileReadError';
  readonly kind = 'io';
  constructor(
    readonly file: string,
    /** What changed, without the file's name. */
    readonly detail: string,
  ) {
    super(`${file}: changed while being read: ${detail}`);
  }
}

/**
 * A local file to be read whole (Store.openWhole): its size and modification
 * time from a stat now, its descriptor opened at the first read, so that many
 * files can wait for their turn without holding descriptors. A file whose
 * size changed in between is a ChangedWhileReadError, not a mix of the two.
 */
export class WholeFileSource implements ByteSource {
  readonly syncReads = true;
  private opened: number | null = null;

  private constructor(
    readonly name: string,
    readonly size: number,
    /** When the file was last modified (ns), as the stat saw it: what a resumed pack compares. */
    readonly modifiedNs: bigint,
  ) {}

  static open(path: string): WholeFileSource {
    const st = fs.statSync(path, { bigint: true });
    if (!st.isFile()) {
      const code = st.isDirectory() ? 'EISDIR' : 'EINVAL';
      throw Object.assign(new Error(`${code}: not a regular file, open '${path}'`), { code, syscall: 'open', path });
    }
    return new WholeFileSource(path, Number(st.size), st.mtimeNs);
  }

  get fd(): number | undefined {
    return this.opened ?? undefined;
  }

  private handle(): number {
    if (this.opened === null) {
      const fd = fs.openSync(this.name, 'r');
      const size = Number(fs.fstatSync(fd).size);
      if (size !== this.size) {
        fs.closeSync(fd);
        throw new ChangedWhileReadError(this.name, `${this.size} bytes when found, ${size} when read`);
      }
      this.opened = fd;
    }
    return this.opened;
  }

  readSync(buffer: Buffer, offset: number, length: number, position: number): number {
    return fs.readSync(this.handle(), buffer, offset, length, position);
  }

  /** A page-cache read, on the calling thread: libuv's pool is kept for the codec. */
  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.readSync(buffer, offset, length, position);
  }

  close(): void {
    if (this.opened !== null) fs.closeSync(this.opened);
    this.opened = null;
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

/** A source that ended at `read` bytes, before its size, changed while being read. */
function checkWhole(source: ByteSource, read: number): void {
  if (read < source.size) throw new ChangedWhileReadError(source.name, `${source.size} bytes when opened, ${read} read`);
}

/** Reads all of a source (its size known) into `buffer` at `offset`; one that ends early is a ChangedWhileReadError. */
export async function readWholeInto(source: ByteSource, buffer: Buffer, offset = 0): Promise<void> {
  checkWhole(source, await readFully(source, buffer, offset, source.size, 0));
}

/** readWholeInto() with synchronous reads (a local file, a buffer). */
export function readWholeIntoSync(source: ByteSource, buffer: Buffer, offset = 0): void {
  checkWhole(source, readFullySync(source, buffer, offset, source.size, 0));
}

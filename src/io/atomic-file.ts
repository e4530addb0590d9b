/**
 * Output files that appear under their final name only when complete: bytes go
 * to a temporary file beside the target, which is renamed over the target on
 * commit. Temporary files still open when the process exits are removed, so an
 * interrupted run leaves earlier outputs as they were and no partial file.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const openTemps = new Set<string>();
let exitHookInstalled = false;

function removeLeftovers(): void {
  for (const temp of openTemps) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  openTemps.clear();
}

function track(temp: string): void {
  if (!exitHookInstalled) {
    process.once('exit', removeLeftovers);
    exitHookInstalled = true;
  }
  openTemps.add(temp);
}

export class AtomicFile {
  private fd: number | null;
  private written = 0;

  private constructor(
    /** Where the file appears on commit. */
    readonly path: string,
    /** Where the bytes go until then. */
    readonly tempPath: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Starts `finalPath`. By default the bytes go to a hidden, uniquely named
   * temporary file that is removed if the process exits before commit.
   * `resumable` names the temporary file instead and keeps it on exit, so an
   * interrupted run can continue it: with `keepBytes` the file's first
   * `keepBytes` bytes are kept and writing continues after them.
   */
  static create(finalPath: string, resumable?: { tempPath: string; keepBytes?: number }): AtomicFile {
    if (resumable) {
      const { tempPath, keepBytes } = resumable;
      if (keepBytes === undefined) return new AtomicFile(finalPath, tempPath, fs.openSync(tempPath, 'w'));
      fs.truncateSync(tempPath, keepBytes);
      const file = new AtomicFile(finalPath, tempPath, fs.openSync(tempPath, 'a'));
      file.written = keepBytes;
      return file;
    }
    const dir = path.dirname(finalPath);
    const temp = path.join(dir, `.${path.basename(finalPath)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    const fd = fs.openSync(temp, 'wx');
    track(temp);
    return new AtomicFile(finalPath, temp, fd);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.writeFully(this.handle(), bytes, offset, length);
    this.written += length;
  }

  /** Writes the pieces in order with as few system calls as the OS allows. */
  writevSync(pieces: readonly Uint8Array[]): void {
    const fd = this.handle();
    let skip = fs.writevSync(fd, pieces as Uint8Array[]);
    // A short write (rare for files): finish piece by piece from where it stopped.
    for (const piece of pieces) {
      if (skip >= piece.byteLength) {
        skip -= piece.byteLength;
      } else {
        this.writeFully(fd, piece, skip, piece.byteLength - skip);
        skip = 0;
      }
    }
    this.written += pieces.reduce((n, p) => n + p.byteLength, 0);
  }

  private writeFully(fd: number, bytes: Uint8Array, offset: number, length: number): void {
    let done = 0;
    while (done < length) done += fs.writeSync(fd, bytes, offset + done, length - done);
  }

  private handle(): number {
    if (this.fd === null) throw new Error(`${this.path}: write after close`);
    return this.fd;
  }

  /** Flushes to disk (unless fsync is false) and renames into place. */
  commit(options: { fsync?: boolean } = {}): void {
    if (this.fd === null) throw new Error(`${this.path}: already closed`);
    if (options.fsync !== false) fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    fs.renameSync(this.tempPath, this.path);
    openTemps.delete(this.tempPath);
  }

  /** Closes the temporary file and leaves it where it is (a resumable one, to be continued later). */
  release(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Drops the temporary file; the final name is left as it was. */
  abort(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    openTemps.delete(this.tempPath);
    fs.rmSync(this.tempPath, { force: true });
  }
}

/** Writes a whole file atomically. */
export function writeFileAtomic(finalPath: string, data: string | Uint8Array, options: { fsync?: boolean } = {}): void {
  const file = AtomicFile.create(finalPath);
  try {
    file.writeSync(typeof data === 'string' ? Buffer.from(data) : data);
    file.commit(options);
  } catch (err) {
    file.abort();
    throw err;
  }
}

/** Thrown when an output path names one of the inputs. */
export class OutputIsInputError extends Error {
  override readonly name = 'OutputIsInputError';
  constructor(readonly output: string) {
    super(`${output}: refusing to overwrite an input file`);
  }
}

/** Refuses an output that is (by inode, so through links too) one of the inputs. */
export function assertNotAnInput(output: string, inputs: readonly string[]): void {
  let out: fs.Stats;
  try {
    out = fs.statSync(output);
  } catch {
    return; // does not exist yet, cannot be an input
  }
  for (const input of inputs) {
    try {
      const st = fs.statSync(input);
      if (st.dev === out.dev && st.ino === out.ino) throw new OutputIsInputError(output);
    } catch (err) {
      if (err instanceof OutputIsInputError) throw err;
    }
  }
}

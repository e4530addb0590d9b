/**
 * Output files that appear under their final name only when complete.
 *
 * - The bytes go to a temporary file beside the target, created exclusively
 *   and without following links (O_CREAT | O_EXCL | O_NOFOLLOW), so a file or
 *   symlink planted at that name is never written through. Anonymous
 *   temporaries are named `.NAME.tmp-PID-RANDOM`: two runs never share one,
 *   and nobody can plant one ahead of time.
 * - publish() gives the finished file its final name. Without `overwrite`
 *   that is a hard link, which fails if the name exists, so not even a file
 *   that appeared while the run was writing is replaced; with `overwrite`,
 *   rename. Several files (a `.rec` and its `.idx`) are published as one step
 *   by output-file.ts (publishTogether), as every store's outputs are.
 * - Temporary files still open when the process exits are removed, so an
 *   interrupted run leaves earlier outputs as they were and nothing half-done.
 *   A process killed outright cannot: the next run that takes over its lock
 *   removes what it left (removeTempsOf, called by output-claim.ts).
 * - A named temporary (im2rec's resumable `OUT.rec.partial`) follows the same
 *   rules; continuing one opens it without following links and only if it is
 *   a regular file.
 * - Each WRITE_BEHIND bytes written are handed to the disk at once (the io
 *   addon's startWriteback, where there is one), without waiting: the fsync
 *   before publishing then finds little left to write, instead of all of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { OutputExistsError } from './output-errors.js';
import type { OutputOptions } from './store.js';
import { UsageError } from '../util/errors.js';
import { loadAddon } from '../native/load-addon.js';

const io = loadAddon<{ startWriteback?(fd: number, offset: number, length: number): void }>('mxrec_io').addon;
/** False without the addon, or with one built before it had startWriteback (no rebuild since). */
const canWriteBack = typeof io?.startWriteback === 'function';

/** Bytes written between two startWriteback calls: few calls, and little left for the fsync. */
const WRITE_BEHIND = 8 << 20;

const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND } = fs.constants;
/** O_NOFOLLOW where the platform has it (everywhere but Windows, whose links need privileges to make). */
export const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;
/** Flags that create a new file and nothing else: not an existing one, not through a symlink. */
export const CREATE_NEW = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

const openTemps = new Set<string>();
let exitHookInstalled = false;

function removeLeftovers(): void {
  for (const temp of openTemps) fs.rmSync(temp, { force: true });
  openTemps.clear();
}

function track(temp: string): void {
  if (!exitHookInstalled) {
    process.once('exit', removeLeftovers);
    exitHookInstalled = true;
  }
  openTemps.add(temp);
}

/** The anonymous temporary of `finalPath`: `.NAME.tmp-PID-RANDOM`, RANDOM 12 hex digits. */
function anonymousTemp(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
}

/** Whether `name` is an anonymous temporary that process `pid` made (of the file named `of`, when given). */
function isTempOf(name: string, pid: number, of: string | undefined): boolean {
  const tail = `.tmp-${pid}-`;
  const at = name.lastIndexOf(tail);
  return at > 1 && name.startsWith('.') && /^[0-9a-f]{12}$/.test(name.slice(at + tail.length)) && (of === undefined || name.slice(1, at) === of);
}

/**
 * Removes the anonymous temporaries that process `pid` left in `dir`: of the
 * file named `of` only, when given; in its sub-folders too with `recursive`.
 * Only regular files of exactly that form go (a link is never followed, nor
 * removed), and only for a process known to be gone, whose output this one
 * now holds the lock of (output-claim.ts): a live run's files, or anything
 * not made by AtomicFile, stay. The folder is read as a stream, so a large
 * one costs no memory.
 */
export function removeTempsOf(pid: number, dir: string, options: { of?: string; recursive?: boolean } = {}): void {
  let entries: fs.Dir;
  try {
    entries = fs.opendirSync(dir);
  } catch {
    return; // gone, or not ours to read: nothing of ours to remove
  }
  try {
    for (let entry = entries.readSync(); entry !== null; entry = entries.readSync()) {
      const p = path.join(dir, entry.name);
      if (isTempOf(entry.name, pid, options.of)) {
        if (fs.lstatSync(p, { throwIfNoEntry: false })?.isFile()) fs.rmSync(p, { force: true });
      } else if (options.recursive && entry.isDirectory()) {
        removeTempsOf(pid, p, options); // a Dirent's type is the entry's own: a link to a folder is not one
      }
    }
  } finally {
    entries.closeSync();
  }
}

/** Whether anything (a file, a folder, a link, even a dangling one) has this name. */
export function nameTaken(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

/** Refuses an output that exists, unless it may be replaced. */
export function assertNew(p: string, overwrite: boolean | undefined): void {
  if (!overwrite && nameTaken(p)) throw new OutputExistsError(p);
}

/** Filesystems without hard links (FAT, some network and FUSE mounts) answer link() with one of these. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

export class AtomicFile {
  private fd: number | null;
  private written = 0;
  /** Where the bytes not yet handed to the disk start. */
  private writtenBack = 0;

  private constructor(
    /** Where the file appears when published. */
    readonly path: string,
    /** Where the bytes go until then. */
    readonly tempPath: string,
    fd: number,
    private readonly overwrite: boolean,
  ) {
    this.fd = fd;
  }

  /**
   * Starts `finalPath`; see the file comment. Throws OutputExistsError for an
   * existing target without `overwrite`. A `tempPath` is created new (never
   * through a link), and kept if the process stops before publish(); with
   * `continueAt` it is an earlier run's file, continued after that many bytes.
   */
  static create(finalPath: string, options: OutputOptions = {}): AtomicFile {
    const overwrite = options.overwrite ?? false;
    assertNew(finalPath, overwrite);
    const { tempPath, continueAt } = options;
    if (tempPath !== undefined) {
      if (continueAt === undefined) return new AtomicFile(finalPath, tempPath, fs.openSync(tempPath, CREATE_NEW, 0o666), overwrite);
      const fd = openExisting(tempPath, O_WRONLY | O_APPEND);
      try {
        fs.ftruncateSync(fd, continueAt);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      const file = new AtomicFile(finalPath, tempPath, fd, overwrite);
      file.written = file.writtenBack = continueAt;
      return file;
    }
    const temp = anonymousTemp(finalPath);
    const fd = fs.openSync(temp, CREATE_NEW, 0o666);
    track(temp);
    return new AtomicFile(finalPath, temp, fd, overwrite);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  writeSync(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): void {
    this.writeFully(this.handle(), bytes, offset, length);
    this.wrote(length);
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
    this.wrote(pieces.reduce((n, p) => n + p.byteLength, 0));
  }

  private wrote(bytes: number): void {
    this.written += bytes;
    if (canWriteBack && this.written - this.writtenBack >= WRITE_BEHIND) {
      io!.startWriteback!(this.fd!, this.writtenBack, this.written - this.writtenBack);
      this.writtenBack = this.written;
    }
  }

  /** A local file never holds its writer back (the backpressure of output-file.ts's OutputFile). */
  ready(): null {
    return null;
  }

  private writeFully(fd: number, bytes: Uint8Array, offset: number, length: number): void {
    let done = 0;
    while (done < length) done += fs.writeSync(fd, bytes, offset + done, length - done);
  }

  private handle(): number {
    if (this.fd === null) throw new UsageError(`${this.path}: write after the file was closed (finish, release or abort)`);
    return this.fd;
  }

  /** Flushes to disk (unless fsync is false) and closes: the first half of publishing. */
  finish(options: { fsync?: boolean } = {}): void {
    if (this.fd === null) throw new UsageError(`${this.path}: finish() after the file was closed (finish, release or abort)`);
    if (options.fsync !== false) fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Gives the finished file its final name: the second half of publishing.
   * Returns whether a name was newly made (so that a failed group can take it back).
   */
  publish(): boolean {
    if (this.overwrite) {
      fs.renameSync(this.tempPath, this.path);
    } else {
      try {
        fs.linkSync(this.tempPath, this.path);
        fs.unlinkSync(this.tempPath);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') throw new OutputExistsError(this.path, 'appeared while this run was writing it');
        if (!NO_HARD_LINKS.has(code)) throw err;
        // No hard links here: check, then rename (a file created in between would be replaced).
        assertNew(this.path, false);
        fs.renameSync(this.tempPath, this.path);
      }
    }
    openTemps.delete(this.tempPath);
    return !this.overwrite;
  }

  /** A finished local file is stored already (an upload's would still be going up). */
  staged(): null {
    return null;
  }

  /** Takes the published name back (a later output of its group failed). */
  unpublish(): void {
    fs.rmSync(this.path, { force: true });
  }

  /** Closes the temporary file and leaves it where it is (a named one, to be continued later). */
  release(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Drops the temporary file; the final name is left as it was. */
  abort(): void {
    this.release();
    openTemps.delete(this.tempPath);
    fs.rmSync(this.tempPath, { force: true });
  }
}

/**
 * Opens an existing file that must be a regular file reached without
 * following a link (ELOOP otherwise). Non-blocking, so that a FIFO planted at
 * the name is refused instead of waited on (it has no effect on files).
 */
export function openExisting(p: string, flags: number): number {
  const fd = fs.openSync(p, flags | O_NOFOLLOW | (fs.constants.O_NONBLOCK ?? 0));
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw Object.assign(new Error('not a regular file'), { code: 'EINVAL', path: p, syscall: 'open' });
  }
  return fd;
}

/**
 * What every mxrec command shares: exit codes, one-line errors for user
 * mistakes (a stack trace only for our own bugs), stopping cleanly on SIGINT
 * and SIGTERM, and buffered stdout that stops quietly when its reader goes
 * away (`rec dump | head`).
 */
import { CommanderError } from 'commander';
import { MAX_MESSAGE } from '../io/limits.js';
import { OutputExistsError } from '../io/output-errors.js';
import { MxrecError } from '../util/errors.js';

export const EXIT_OK = 0;
/** The data is damaged or inconsistent (verify found problems, a read hit corruption). */
export const EXIT_BAD_DATA = 1;
/** Bad arguments, missing or unreadable files. */
export const EXIT_USAGE = 2;
/** A bug in mxrec. */
export const EXIT_INTERNAL = 70;
/** A run stopped by a signal: 128 + the signal's number, as a shell reports a process the signal ended. */
export const EXIT_STOPPED = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_STOPPED;

/** Why a run stopped early: the reason its AbortSignal carries, and what the CLI reports (not an MxrecError: nobody's mistake). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor(readonly signal: StopSignal) {
    super(`interrupted by ${signal}`);
  }
}

/** An error in how the command was called; its message is shown as is (util/errors.ts: the library's too). */
export { UsageError } from '../util/errors.js';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a path component is not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  EEXIST: 'exists already',
  ELOOP: 'is a symbolic link, not followed (or a loop of links)',
};

/** A message cut in its middle past MAX_MESSAGE, keeping how it starts (what) and ends (why). */
function shortened(msg: string): string {
  if (msg.length <= MAX_MESSAGE) return msg;
  return `${msg.slice(0, MAX_MESSAGE / 2)} … (${msg.length - MAX_MESSAGE} characters left out) … ${msg.slice(-MAX_MESSAGE / 2)}`;
}

/** The exit code for one of mxrec's errors: 1 for bad data, 2 for the rest (see util/errors.ts). */
export function exitCodeOf(err: MxrecError): number {
  return err.kind === 'data' ? EXIT_BAD_DATA : EXIT_USAGE;
}

/** Prints the error the way a user should see it and returns the exit code. */
export function reportError(program: string, err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE; // commander printed it
  const say = (msg: string) => process.stderr.write(`${program}: ${shortened(msg)}\n`);
  if (err instanceof Interrupted) {
    say(`${err.message}; nothing unfinished was published`);
    return EXIT_STOPPED[err.signal];
  }
  if (err instanceof MxrecError) {
    // Every command that writes takes --force for the library's `overwrite: true`.
    say(err instanceof OutputExistsError ? err.withFlag('--force') : err.message);
    return exitCodeOf(err);
  }
  const errno = err as NodeJS.ErrnoException;
  if (errno && typeof errno.code === 'string' && errno.syscall !== undefined) {
    const where = errno.path ?? (errno as { dest?: string }).dest ?? '';
    say(`${where ? `${where}: ` : ''}${ERRNO_TEXT[errno.code] ?? errno.message}`);
    return EXIT_USAGE;
  }
  say(`internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT_INTERNAL;
}

/** Runs a command's body and sets the exit code from its result or error. */
export async function runCommand(program: string, body: () => Promise<number | void> | number | void): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT_OK;
  } catch (err) {
    process.exitCode = reportError(program, err);
  }
}

/**
 * Runs work that writes so that SIGINT and SIGTERM stop it cleanly: the
 * signal aborts `stop`, which the work checks as it goes (between records)
 * and unwinds from through its own cleanup, so its temporary files are
 * removed, its uploads cancelled and its locks released; then it throws
 * Interrupted (exit 130 or 143), whatever error the stop made it end with.
 * Work that completes before it sees the signal has published whole outputs
 * and returns as usual. A second signal exits at once: the exit hooks still
 * remove local temporaries and locks (atomic-file.ts, output-lock.ts), but an
 * upload is left to the bucket's lifecycle rule. The handlers are in place
 * before the work claims its outputs, so no signal finds an output claimed
 * and nobody to clean it up.
 */
export async function stoppable<T>(program: string, work: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: StopSignal) => {
    if (controller.signal.aborted) {
      process.stderr.write(`${program}: ${signal} again: stopped at once\n`);
      process.exit(EXIT_STOPPED[signal]);
    }
    controller.abort(new Interrupted(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (err) {
    // The stop, however it surfaced (its reason, an AbortError, a failure of a request it cut off), is said
    // as the stop; an error of mxrec's own that came first (a full disk, bad data) is said as itself.
    const stopped = controller.signal.aborted && (err === controller.signal.reason || !(err instanceof MxrecError) || (err as Error).name === 'AbortError');
    throw stopped ? controller.signal.reason : err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** runCommand for a command that writes: its body gets the AbortSignal that SIGINT and SIGTERM abort (see stoppable). */
export function runWritingCommand(program: string, body: (stop: AbortSignal) => Promise<number | void>): Promise<void> {
  return runCommand(program, () => stoppable(program, body));
}

/** When stdout's reader goes away (`rec dump | head`), stop quietly instead of failing on EPIPE. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK);
    throw err;
  });
}

/**
 * Line output gathered into large writes, with backpressure: when the
 * stream's buffer is full (a slow reader, a pipe that is not being read),
 * line() returns a promise that settles when it drains, and the caller
 * awaits it before making more. So memory stays at one buffer's worth, and a
 * reader that goes away (`| head`) is noticed at the next write (EPIPE: see
 * exitQuietlyOnClosedStdout), not after the whole file.
 */
export class LineWriter {
  private pending = '';
  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {}

  /** Adds a line; when that makes a write the stream cannot take yet, resolves once it can. */
  line(text: string): Promise<void> | undefined {
    this.pending += text + '\n';
    return this.pending.length >= 1 << 16 ? this.flush() : undefined;
  }

  flush(): Promise<void> | undefined {
    if (!this.pending) return undefined;
    const ok = this.stream.write(this.pending);
    this.pending = '';
    if (ok) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.once('drain', done);
      this.stream.once('close', done);
    });
  }
}

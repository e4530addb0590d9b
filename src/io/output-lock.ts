/**
 * One run per output. While a command writes OUT it holds `OUT.lock`, a small
 * file created exclusively (never through a link) that names its holder: pid,
 * host and start time. A second run that finds it is refused at once, and the
 * message names the holder.
 *
 * The lock goes when its run ends: release(), or the process's exit (Ctrl-C
 * and uncaught errors included). A run that crashed (killed, power lost)
 * cannot remove it, so a lock is stale, and taken over, when its holder is
 * gone: same host, and the pid is not running or belongs to a process started
 * at another time (a reused pid). A lock from another host (a shared
 * filesystem) cannot be checked and is never taken over; the message says
 * which file to remove. Taking over a stale lock removes it only if it is
 * still the one that was read, then creates a new one exclusively, so of two
 * runs taking over at once only one gets it. The new lock says whose it took
 * over when that process is not running at all (not a reused pid), so that
 * the temporary files it left can be removed (output-claim.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { CREATE_NEW, O_NOFOLLOW } from './atomic-file.js';
import { OutputLockedError } from './output-errors.js';

/** Where the lock of an output lives. */
export function lockPathFor(output: string): string {
  return `${output}.lock`;
}

interface Holder {
  pid: number;
  host: string;
  /** When the run started, for people. */
  since: string;
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid. */
  procStart: string | null;
  /** Told apart from another lock of the same process. */
  token: string;
}

/** Field 22 of /proc/PID/stat: when the process started (null where there is no /proc). */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; fields from 3 on follow it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process: running
  }
}

function isStale(holder: Holder): boolean {
  if (holder.host !== os.hostname()) return false;
  if (!isRunning(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.procStart !== null && start !== null && start !== holder.procStart;
}

function readLock(lockPath: string): string | null {
  let fd: number;
  try {
    // Never through a link; non-blocking, so that a FIFO at the name is refused, not waited on.
    fd = fs.openSync(lockPath, fs.constants.O_RDONLY | O_NOFOLLOW | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // released meanwhile
    throw err;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EINVAL' });
    const buffer = Buffer.alloc(4096);
    return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}

function parseHolder(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.token === 'string' ? (h as Holder) : null;
  } catch {
    return null;
  }
}

const held = new Map<string, string>();
let exitHookInstalled = false;

function removeIfOurs(lockPath: string, token: string): void {
  try {
    if (parseHolder(readLock(lockPath) ?? '')?.token === token) fs.unlinkSync(lockPath);
  } catch {
    // gone already, or not ours to remove
  }
}

function releaseAll(): void {
  for (const [lockPath, token] of held) removeIfOurs(lockPath, token);
  held.clear();
}

export interface OutputLock {
  readonly path: string;
  /** The pid of the run on this host, no longer running, whose lock this one took over; else null. */
  readonly tookOverFrom: number | null;
  release(): void;
}

/** Takes the lock on `output`, or throws OutputLockedError naming who holds it. */
export function lockOutput(output: string): OutputLock {
  const lockPath = lockPathFor(output);
  const me: Holder = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    procStart: processStart(process.pid),
    token: crypto.randomBytes(8).toString('hex'),
  };
  let tookOverFrom: number | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number | null = null;
    try {
      fd = fs.openSync(lockPath, CREATE_NEW, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== null) {
      try {
        fs.writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        fs.closeSync(fd);
      }
      if (!exitHookInstalled) {
        process.once('exit', releaseAll);
        exitHookInstalled = true;
      }
      held.set(lockPath, me.token);
      return {
        path: lockPath,
        tookOverFrom,
        release: () => {
          if (held.get(lockPath) !== me.token) return;
          held.delete(lockPath);
          removeIfOurs(lockPath, me.token);
        },
      };
    }
    let text: string | null;
    try {
      text = readLock(lockPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const what = code === 'ELOOP' ? 'a symbolic link' : code === 'EINVAL' ? 'not a regular file' : `unreadable (${code})`;
      throw new OutputLockedError(output, lockPath, `${lockPath}: ${what}, not a lock of mxrec's; remove it if no run is writing ${output}`);
    }
    if (text === null) continue; // its run ended between our two looks
    const holder = parseHolder(text);
    if (holder === null) {
      throw new OutputLockedError(output, lockPath, `${output}: locked by ${lockPath}, which names no run; remove it if no run is writing ${output}`);
    }
    if (!isStale(holder)) {
      const remote = holder.host !== os.hostname() ? ` (another host: remove ${lockPath} if that run is gone)` : `; wait for it to end`;
      throw new OutputLockedError(output, lockPath, `${output}: another run is writing it (pid ${holder.pid} on ${holder.host}, since ${holder.since})${remote}`);
    }
    // Stale: remove it if it is still the lock we judged, then try again.
    if (readLock(lockPath) === text) {
      fs.rmSync(lockPath, { force: true });
      // A reused pid is running: its files cannot be told from the dead run's, so none are said stale.
      tookOverFrom = isRunning(holder.pid) ? null : holder.pid;
    }
  }
  throw new OutputLockedError(output, lockPath, `${output}: other runs keep taking its lock (${lockPath}); try again`);
}

/**
 * The rule every command that writes follows, checked before any work:
 *
 *   1. it locks the outputs it is named by, so no second run writes them
 *      at the same time (output-lock.ts);
 *   2. it refuses an output that exists, unless told to replace it
 *      (`overwrite`, the CLI's --force); the files are then written under
 *      temporary names and published only when complete (atomic-file.ts);
 *   3. it refuses an output that is one of its inputs, even with --force,
 *      and the same output named twice.
 *
 * A command that runs several steps checks them all before the first by
 * claiming each step's outputs and giving them back (im2rec's lists).
 *
 * A run killed outright (SIGKILL, power lost) leaves its lock and temporary
 * files. The claim that takes such a lock over removes that run's temporary
 * files of the outputs claimed (`.OUT.tmp-PID-RANDOM` with the dead run's
 * pid, output-lock.ts and atomic-file.ts), once it holds all their locks.
 *
 * s3:// outputs follow the same rules as far as a bucket can: one that exists
 * is refused (a HEAD request), an input is never an output (the same
 * s3://bucket/key), and their completion is conditional (s3-upload.ts). There
 * is no lock across machines: two runs writing one key at once are kept
 * apart only by that condition, so the later completion is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertNew, removeTempsOf } from './atomic-file.js';
import { displayLocation } from './display-name.js';
import { isS3Url, isUrl } from './url.js';
import { remoteExists } from './remote/http-source.js';
import { parseS3Url, s3Address } from './remote/s3.js';
import { UPLOAD_MEMORY } from './remote/s3-upload.js';
import { OutputExistsError, OutputIsInputError, OutputNameError } from './output-errors.js';
import { type OutputLock, lockOutput } from './output-lock.js';

export interface OutputCheck {
  /** Files the run reads; none may be an output. */
  inputs?: readonly string[];
  /** Replace outputs that exist (the CLI's --force). Default false. */
  overwrite?: boolean;
}

/** Refuses an output that is (by inode, so through links too) one of the inputs. */
function assertNotAnInput(output: string, inputs: readonly string[]): void {
  const out = fs.statSync(output, { throwIfNoEntry: false });
  if (!out) return; // does not exist yet, cannot be an input
  for (const input of inputs) {
    const st = fs.statSync(input, { throwIfNoEntry: false });
    if (st && st.dev === out.dev && st.ino === out.ino) throw new OutputIsInputError(output);
  }
}

/** s3://bucket/key in one spelling, to compare outputs with each other and with inputs. */
const s3Name = (location: string): string => parseS3Url(location).name;

/** Objects a run may stream at once: each holds up to UPLOAD_MEMORY (32 such is 1 GiB). */
export const MAX_UPLOADS = 32;

/** Outputs are local files or s3:// objects, each named once. */
function assertWritableNames(files: readonly string[]): void {
  const seen = new Set<string>();
  const uploads = files.filter(isS3Url).length;
  if (uploads > MAX_UPLOADS) {
    throw new OutputNameError(displayLocation(files.find(isS3Url)!), `expected at most ${MAX_UPLOADS} s3:// outputs in one run (each streams through up to ${UPLOAD_MEMORY >> 20} MiB of memory), received ${uploads}`);
  }
  for (const file of files) {
    if (isS3Url(file)) {
      if (seen.has(s3Name(file))) throw new OutputNameError(s3Name(file), 'named twice as an output; expected distinct outputs');
      seen.add(s3Name(file));
      continue;
    }
    if (isUrl(file)) throw new OutputNameError(displayLocation(file), 'expected a local path or s3://bucket/key to write, received an http(s) URL');
    if (seen.has(path.resolve(file))) throw new OutputNameError(file, 'named twice as an output; expected distinct outputs');
    seen.add(path.resolve(file));
    // Said here, about the output: else the first file made beside it (its lock) would be named.
    const folder = path.dirname(path.resolve(file));
    if (!fs.existsSync(folder)) throw new OutputNameError(file, `expected an existing folder to write in, received ${path.dirname(file)}, which does not exist`);
    if (!fs.statSync(folder).isDirectory()) throw new OutputNameError(file, `expected a folder to write in, received ${path.dirname(file)}, which is a file`);
  }
}

/** Removes the temporaries of `files` that the runs whose locks were taken over left. */
function removeLeftovers(locks: readonly OutputLock[], files: readonly string[]): void {
  for (const pid of new Set(locks.flatMap((lock) => lock.tookOverFrom ?? []))) {
    for (const file of files) removeTempsOf(pid, path.dirname(path.resolve(file)), { of: path.basename(file) });
  }
}

export interface OutputClaim {
  /** Gives up the locks (also done when the process exits). */
  release(): void;
}

/**
 * Takes a run's outputs: locks each of `named` (the outputs the run is known
 * by: OUT.rec, not the OUT.idx that goes with it), then checks `named` and
 * `companions` by the rules above. On a refusal nothing stays locked.
 */
export async function claimOutputs(named: readonly string[], companions: readonly string[], options: OutputCheck = {}): Promise<OutputClaim> {
  const locks: OutputLock[] = [];
  const release = () => {
    for (const lock of locks.splice(0)) lock.release();
  };
  assertWritableNames([...named, ...companions]);
  const inputs = options.inputs ?? [];
  try {
    for (const output of named) if (!isS3Url(output)) locks.push(lockOutput(output));
    removeLeftovers(locks, [...named, ...companions].filter((file) => !isS3Url(file)));
    for (const file of [...named, ...companions]) {
      if (isS3Url(file)) {
        if (inputs.some((input) => isS3Url(input) && s3Name(input) === s3Name(file))) throw new OutputIsInputError(s3Name(file));
        if (!options.overwrite && (await remoteExists(s3Address(file)))) throw new OutputExistsError(s3Name(file));
        continue;
      }
      assertNotAnInput(file, inputs.filter((input) => !isUrl(input)));
      assertNew(file, options.overwrite);
    }
  } catch (err) {
    release();
    throw err;
  }
  return { release };
}

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
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertNew } from './atomic-file.js';
import { displayLocation } from './display-name.js';
import { isUrl } from './url.js';
import { OutputIsInputError, OutputNameError } from './output-errors.js';
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

/** Outputs are local files, each named once. */
function assertWritableNames(files: readonly string[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (isUrl(file)) throw new OutputNameError(displayLocation(file), 'expected a local path to write, received a URL (outputs are local files)');
    if (seen.has(path.resolve(file))) throw new OutputNameError(file, 'named twice as an output; expected distinct outputs');
    seen.add(path.resolve(file));
    // Said here, about the output: else the first file made beside it (its lock) would be named.
    const folder = path.dirname(path.resolve(file));
    if (!fs.existsSync(folder)) throw new OutputNameError(file, `expected an existing folder to write in, received ${path.dirname(file)}, which does not exist`);
    if (!fs.statSync(folder).isDirectory()) throw new OutputNameError(file, `expected a folder to write in, received ${path.dirname(file)}, which is a file`);
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
export function claimOutputs(named: readonly string[], companions: readonly string[], options: OutputCheck = {}): OutputClaim {
  const locks: OutputLock[] = [];
  const release = () => {
    for (const lock of locks.splice(0)) lock.release();
  };
  assertWritableNames([...named, ...companions]);
  try {
    for (const output of named) locks.push(lockOutput(output));
    for (const file of [...named, ...companions]) {
      assertNotAnInput(file, options.inputs ?? []);
      assertNew(file, options.overwrite);
    }
  } catch (err) {
    release();
    throw err;
  }
  return { release };
}

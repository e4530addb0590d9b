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
import { storeOf } from './locations.js';
import { OutputNameError } from './output-errors.js';
import type { OutputHold } from './store.js';
import { MAX_OUTPUT_MEMORY } from './limits.js';

export interface OutputCheck {
  /** Files the run reads; none may be an output. */
  inputs?: readonly string[];
  /** Replace outputs that exist (the CLI's --force). Default false. */
  overwrite?: boolean;
  /** The outputs are streamed one after the other (export's shards): memory is one output's, however many. */
  oneAtATime?: boolean;
}

/** Outputs each named once, each a name its store can write, and no more streamed at once than memory allows. */
function assertWritableNames(files: readonly string[], oneAtATime: boolean): void {
  const seen = new Set<string>();
  let memory = 0;
  for (const file of files) {
    const store = storeOf(file);
    store.checkOutputName(file);
    const key = store.absolute(file);
    if (seen.has(key)) throw new OutputNameError(store.display(file), 'named twice as an output; expected distinct outputs');
    seen.add(key);
    memory = oneAtATime ? Math.max(memory, store.outputMemory) : memory + store.outputMemory;
  }
  if (memory > MAX_OUTPUT_MEMORY) {
    const streamed = files.filter((f) => storeOf(f).outputMemory > 0);
    const store = storeOf(streamed[0]!);
    throw new OutputNameError(
      store.display(streamed[0]!),
      `expected at most ${Math.floor(MAX_OUTPUT_MEMORY / store.outputMemory)} ${store.kind} outputs in one run (each streams through up to ${store.outputMemory >> 20} MiB of memory), received ${streamed.length}`,
    );
  }
}

export interface OutputClaim {
  /** Gives up the holds (locks; also done when the process exits). */
  release(): void;
}

/**
 * Takes a run's outputs: holds each of `named` (the outputs the run is known
 * by: OUT.rec, not the OUT.idx that goes with it), then checks `named` and
 * `companions` by the rules above. On a refusal nothing stays held.
 */
export async function claimOutputs(named: readonly string[], companions: readonly string[], options: OutputCheck = {}): Promise<OutputClaim> {
  const holds: OutputHold[] = [];
  const release = () => {
    for (const hold of holds.splice(0)) hold.release();
  };
  const all = [...named, ...companions];
  assertWritableNames(all, options.oneAtATime ?? false);
  const inputs = options.inputs ?? [];
  try {
    for (const output of named) {
      const hold = storeOf(output).hold(output);
      if (hold) holds.push(hold);
    }
    // What runs killed outright left of these outputs, now that their holds are ours.
    for (const pid of new Set(holds.flatMap((hold) => hold.tookOverFrom ?? []))) for (const file of all) storeOf(file).removeLeftovers(file, pid);
    for (const file of all) {
      const store = storeOf(file);
      await store.checkOutput(file, { inputs: inputs.filter((input) => storeOf(input) === store), overwrite: options.overwrite ?? false });
    }
  } catch (err) {
    release();
    throw err;
  }
  return { release };
}

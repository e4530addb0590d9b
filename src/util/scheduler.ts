/**
 * `--part auto`: which part of a job this process is, from the scheduler
 * that started it, so that one command line serves every task of an array:
 *
 *   Kubernetes Indexed Job   JOB_COMPLETION_INDEX        0..completions-1
 *   Slurm job array          SLURM_ARRAY_TASK_ID         from SLURM_ARRAY_TASK_MIN
 *                            (checked against SLURM_ARRAY_TASK_COUNT)
 *   AWS Batch array job      AWS_BATCH_JOB_ARRAY_INDEX   0..size-1
 *
 * The first one set wins, in that order. None set, or one that does not fit
 * the number of parts, is an error that says which variables were looked at.
 */
import { MxrecError } from './errors.js';

export class SchedulerError extends MxrecError {
  override readonly name = 'SchedulerError';
  readonly kind = 'usage';
}

/** The variables `--part auto` reads, for messages and docs. */
export const SCHEDULER_VARIABLES = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

function wholeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text.trim())) throw new SchedulerError(`${name}: expected a whole number, received ${JSON.stringify(text)}`);
  return Number(text);
}

/** This task's part, 0-based, out of `parts`, from the environment; `option` names the flag in messages. */
export function partFromScheduler(parts: number, option: string, env: NodeJS.ProcessEnv = process.env): number {
  const check = (index: number, from: string): number => {
    if (index >= parts) throw new SchedulerError(`${option} auto: ${from} is ${index}, expected 0..${parts - 1} for ${parts} parts`);
    return index;
  };
  const k8s = wholeNumber(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) return check(k8s, 'JOB_COMPLETION_INDEX');
  const slurm = wholeNumber(env, 'SLURM_ARRAY_TASK_ID');
  if (slurm !== undefined) {
    const count = wholeNumber(env, 'SLURM_ARRAY_TASK_COUNT');
    if (count !== undefined && count !== parts) {
      throw new SchedulerError(`${option} auto: the Slurm array has ${count} tasks (SLURM_ARRAY_TASK_COUNT), expected one per part: ${parts}`);
    }
    const min = wholeNumber(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    if (slurm < min) throw new SchedulerError(`${option} auto: SLURM_ARRAY_TASK_ID is ${slurm}, below SLURM_ARRAY_TASK_MIN (${min})`);
    return check(slurm - min, min ? `SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN` : 'SLURM_ARRAY_TASK_ID');
  }
  const batch = wholeNumber(env, 'AWS_BATCH_JOB_ARRAY_INDEX');
  if (batch !== undefined) return check(batch, 'AWS_BATCH_JOB_ARRAY_INDEX');
  throw new SchedulerError(
    `${option} auto: no scheduler says which part this is (none of ${SCHEDULER_VARIABLES.join(', ')} is set); pass ${option} 0..${parts - 1}`,
  );
}

/**
 * A part option as typed (`--part 3`, `--part auto`, `part=auto`) checked
 * against the number of parts: the 0-based part, or undefined when neither
 * is given. `partsOption` names the option that gives the count.
 */
export function resolvePart(text: string | undefined, parts: number | undefined, option: string, partsOption: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (text === undefined) return parts === undefined ? undefined : 0;
  if (parts === undefined) throw new SchedulerError(`${option}: expected ${partsOption} N too`);
  if (text.trim() === 'auto') return partFromScheduler(parts, option, env);
  const index = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(index < parts)) throw new SchedulerError(`${option}: expected an integer in 0..${parts - 1} or auto, received ${JSON.stringify(text)}`);
  return index;
}

/**
 * `numParts: 'auto'` / `partIndex: 'auto'` for a training process: WORLD_SIZE
 * and RANK, as torchrun, torch.distributed.launch, Horovod's and most other
 * launchers set them. Without RANK, the part falls back to the scheduler's
 * array index (partFromScheduler).
 */
export function launcherParts(
  numParts: number | 'auto',
  partIndex: number | 'auto',
  env: NodeJS.ProcessEnv = process.env,
): { numParts: number; partIndex: number } {
  let parts = numParts;
  if (parts === 'auto') {
    const world = wholeNumber(env, 'WORLD_SIZE');
    if (world === undefined || world < 1) throw new SchedulerError("numParts: 'auto' takes the number of parts from WORLD_SIZE, which is not set; pass numParts");
    parts = world;
  }
  if (partIndex !== 'auto') return { numParts: parts, partIndex };
  const rank = wholeNumber(env, 'RANK');
  if (rank === undefined) return { numParts: parts, partIndex: partFromScheduler(parts, 'partIndex', env) };
  if (rank >= parts) throw new SchedulerError(`partIndex: 'auto': RANK is ${rank}, expected 0..${parts - 1} for ${parts} parts`);
  return { numParts: parts, partIndex: rank };
}

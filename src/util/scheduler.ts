/**
 * Parts: the options that split a job into parts (declared once here for
 * im2rec, ImageRecordIter and rec dump) and `--part auto`: which part of a
 * job this process is, from the scheduler that started it, so that one
 * command line serves every task of an array:
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
import { type BuiltOption, custom } from './schema.js';

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

/** A part option's text: the number it spells, else the text itself ('auto', or what the check refuses, quoted as typed). */
const autoOrNumber = (text: string): unknown => (/^[-+]?\d+$/.test(text) ? Number(text) : text);

/** A part option's check: an integer from `min`, or (where allowed) 'auto'. */
const partValue =
  (min: number, auto: boolean) =>
  (v: unknown, invalid: (expected: string) => never): number | 'auto' =>
    (auto && v === 'auto') || (Number.isSafeInteger(v) && (v as number) >= min) ? (v as number | 'auto') : invalid(`an integer >= ${min}${auto ? " or 'auto'" : ''}`);

interface PartOptionParts {
  doc: string;
  /** The command-line flag: each surface names the pair its own way (--parts/--part, --num-parts/--part-index). */
  flag: string | false;
  mxnet?: string;
  metavar?: string;
  default?: number;
}

/**
 * The two options that pick a part, declared once for every surface that
 * splits (im2rec's --parts/--part and nsplit/part, ImageRecordIter's
 * numParts/partIndex, rec dump's --parts/--part): how many parts (an integer
 * >= 1; 'auto' where `auto` says so: WORLD_SIZE) and which one (an integer
 * >= 0 or 'auto': from the launcher or the scheduler). resolveParts checks
 * the pair together.
 */
export function partCountOption<const O extends PartOptionParts & { auto: boolean }>(o: O): BuiltOption<number | 'auto', O> {
  const { auto, ...rest } = o;
  return custom({
    ...rest,
    parse: partValue(1, auto),
    fromText: autoOrNumber,
    metavar: o.metavar ?? (auto ? '<n|auto>' : '<n>'),
    expected: auto ? "integer >= 1, or 'auto'" : 'integer >= 1',
  }) as never;
}

export function partIndexOption<const O extends PartOptionParts>(o: O): BuiltOption<number | 'auto', O> {
  return custom({ ...o, parse: partValue(0, true), fromText: autoOrNumber, metavar: o.metavar ?? '<i|auto>', expected: "integer >= 0, or 'auto'" }) as never;
}

/**
 * A pair of part options as given (either may be absent) checked together:
 * the part to read or pack, or undefined when neither is given. `names` are
 * the options as the caller's surface spells them, for messages. A count of
 * 'auto' is WORLD_SIZE; an index of 'auto' is RANK where `launcher` (a
 * training process started by torchrun and the like), else the scheduler's
 * array index (partFromScheduler).
 */
export function resolveParts(
  count: number | 'auto' | undefined,
  index: number | 'auto' | undefined,
  names: { count: string; index: string; launcher?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): { count: number; index: number } | undefined {
  if (count === undefined) {
    if (index === undefined) return undefined;
    throw new SchedulerError(`${names.index}: expected ${names.count} N too`);
  }
  let parts = count;
  if (parts === 'auto') {
    const world = wholeNumber(env, 'WORLD_SIZE');
    if (world === undefined || world < 1) throw new SchedulerError(`${names.count}: 'auto' takes the number of parts from WORLD_SIZE, which is not set; pass ${names.count} N`);
    parts = world;
  }
  if (index === undefined) return { count: parts, index: 0 };
  if (index !== 'auto') {
    if (index >= parts) throw new SchedulerError(`${names.index}: expected an integer in 0..${parts - 1} or auto (${names.count} is ${parts}), received ${index}`);
    return { count: parts, index };
  }
  const rank = names.launcher ? wholeNumber(env, 'RANK') : undefined;
  if (rank === undefined) return { count: parts, index: partFromScheduler(parts, names.index, env) };
  if (rank >= parts) throw new SchedulerError(`${names.index}: 'auto': RANK is ${rank}, expected 0..${parts - 1} for ${parts} parts`);
  return { count: parts, index: rank };
}

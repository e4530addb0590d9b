/**
 * Code written once for a synchronous and an asynchronous caller, as Babel's
 * gensync does: a generator yields each value it needs the result of (an
 * output being made, a publishing request), and a driver hands the result
 * back. runAsync awaits it; runSync hands it back as it is, so steps that
 * never wait (a local file's) finish in the call. The two agree on every
 * check and every error because there is one body.
 *
 *     function* starting(make: (at: string) => Out | Promise<Out>): Steps<Out> {
 *       const out = yield* step(make(location));
 *       ...
 *     }
 *     runSync(starting(makeSync));   runAsync(starting(make));
 */
export type Steps<T> = Generator<unknown, T, unknown>;

/** One step: `value`, as the driver hands it back (awaited by runAsync). */
export function* step<T>(value: T | PromiseLike<T>): Steps<T> {
  return (yield value) as T;
}

/** A promise yielded by settle(): its result is not needed. */
class Unneeded {
  constructor(readonly promise: PromiseLike<unknown>) {}
}

/**
 * A step taken while dropping what was made (an abort, a name taken back):
 * its result is not needed, so runSync leaves a promise to finish on its own,
 * its failure ignored, where runAsync awaits it.
 */
export function* settle(value: unknown): Steps<void> {
  if (isThenable(value)) yield new Unneeded(value);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** Runs the steps, awaiting each value yielded; a rejection is thrown back into them where they yielded it. */
export async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await (next.value instanceof Unneeded ? next.value.promise : next.value);
    } catch (err) {
      next = steps.throw(err);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

/**
 * Runs the steps in this call. A step that would have to wait (a promise:
 * an upload's) is refused: `refuse()` is thrown into the steps where they
 * yielded it, so they drop what they made (with settle()).
 */
export function runSync<T>(steps: Steps<T>, refuse: () => Error = () => new TypeError('expected steps that never wait, received a promise')): T {
  let next = steps.next();
  while (!next.done) {
    const value = next.value;
    if (value instanceof Unneeded) {
      value.promise.then(undefined, () => {});
      next = steps.next(undefined);
    } else if (isThenable(value)) {
      value.then(undefined, () => {}); // it runs on, unwaited: its failure is not this call's
      next = steps.throw(refuse());
    } else {
      next = steps.next(value);
    }
  }
  return next.value;
}

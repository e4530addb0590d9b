/**
 * orderedMap(source, limit, fn): fn applied to each item of `source`, up to
 * `limit` calls in flight, the results handed out in source order. This is
 * the one bounded, ordered concurrency in mxrec: im2rec encodes batches of
 * images, the iterator decodes chunks of records and reads remote records
 * this way.
 *
 * What the hand-written queues it replaces each had to get right, once here:
 * - Work stays ahead of the consumer, within `limit`. Each next() first
 *   starts calls until `limit` are in flight (the one it waits for among
 *   them), so while the consumer works on a result, `limit - 1` run on; the
 *   memory they hold is bounded by `limit` results whatever the source's
 *   length. An async source is pulled one item at a time (a stream of
 *   records cannot be read twice at once), chained behind the previous pull
 *   rather than awaited, so pulling overlaps the calls already running.
 * - A failure is thrown in its turn: results before it are handed out
 *   first, and a later call's rejection is never reported as unhandled.
 * - The limit may grow (`growTo`): each time next() has to wait for its
 *   result, the calls do not keep up with the consumer, and one more may
 *   run. A remote source's latency is met this way, without a knob.
 * - Stopping early (`return()`, a `for await` that breaks, an error) drops
 *   what is in flight; `onAbandon` gets each dropped result once it settles,
 *   to give back what it holds (memory from a budget, say).
 * (ARCHITECTURE.md, "Ordered concurrency".)
 */

export interface OrderedMapOptions<R> {
  /** Called with each result that was started but never handed out, when it settles. */
  onAbandon?: (result: R) => void;
  /**
   * The most calls in flight the limit may grow to: each time next() has to
   * wait for its result (the consumer is faster than `limit` calls keep up
   * with: a store's latency, say), one more call may run. Default: `limit`.
   */
  growTo?: number;
  /**
   * Asked before each growth, and before each call beyond the first `limit`
   * in flight: false holds them back (what is in flight holds too much, say).
   */
  canGrow?: () => boolean;
}

const END: unique symbol = Symbol('end of source');

export class OrderedMap<T, R> implements AsyncIterableIterator<R> {
  private readonly pending: Promise<R | typeof END>[] = [];
  private readonly syncSource: Iterator<T> | null;
  private readonly asyncSource: AsyncIterator<T> | null;
  /** The chain of pulls from an async source: each waits for the one before. */
  private pulled: Promise<unknown> = Promise.resolve();
  /** The source has ended (or failed), as far as pulls started so far know. */
  private sourceEnded = false;
  private stopped = false;
  private index = 0;
  /** The calls started and settled, for next() to tell whether it waits (growTo). */
  private readonly settled = new WeakSet<Promise<unknown>>();
  private handedOut = 0;
  /** The limit given: calls up to it start whatever canGrow says. */
  private readonly startLimit: number;

  constructor(
    source: Iterable<T> | AsyncIterable<T>,
    private limit: number,
    private readonly fn: (item: T, index: number) => Promise<R> | R,
    private readonly options: OrderedMapOptions<R> = {},
  ) {
    // invariant: the callers' limits are constants or options checked as integers >= 1.
    if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`orderedMap: expected a limit of at least 1, received ${limit}`);
    this.startLimit = limit;
    const asyncIterable = Symbol.asyncIterator in source;
    this.asyncSource = asyncIterable ? source[Symbol.asyncIterator]() : null;
    this.syncSource = asyncIterable ? null : (source as Iterable<T>)[Symbol.iterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Starts calls until `limit` are in flight (past the first limit, while canGrow allows) or the source is known to have ended. */
  private fill(): void {
    const { canGrow } = this.options;
    while (!this.stopped && !this.sourceEnded && this.pending.length < this.limit && (this.pending.length < this.startLimit || (canGrow?.() ?? true))) {
      let step: Promise<R | typeof END>;
      if (this.syncSource) {
        let next: IteratorResult<T>;
        try {
          next = this.syncSource.next();
        } catch (err) {
          this.sourceEnded = true;
          step = Promise.reject(err);
          this.push(step);
          return;
        }
        if (next.done) {
          this.sourceEnded = true;
          return;
        }
        step = this.call(next.value);
      } else {
        const source = this.asyncSource!;
        const pull = this.pulled.then(() => (this.sourceEnded || this.stopped ? { done: true as const, value: undefined } : source.next()));
        this.pulled = pull.catch(() => undefined);
        step = pull.then<R | typeof END>(
          (next) => {
            if (next.done) {
              this.sourceEnded = true;
              return END;
            }
            return this.call(next.value);
          },
          (err: unknown) => {
            this.sourceEnded = true;
            throw err;
          },
        );
      }
      this.push(step);
    }
  }

  private call(item: T): Promise<R> {
    try {
      return Promise.resolve(this.fn(item, this.index++));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private push(step: Promise<R | typeof END>): void {
    // A rejection is thrown by next() in its turn; this only keeps it from counting as unhandled.
    step.then(
      () => this.settled.add(step),
      () => this.settled.add(step),
    );
    this.pending.push(step);
  }

  async next(): Promise<IteratorResult<R>> {
    this.fill();
    const { growTo = 0, canGrow } = this.options;
    const first = this.pending[0];
    // The first result is always waited for: only later waits say the calls do not keep up.
    if (first && this.handedOut > 0 && !this.settled.has(first) && this.limit < growTo && (canGrow?.() ?? true)) {
      this.limit++;
      this.fill();
    }
    const head = this.pending.shift();
    if (!head) return this.return();
    let result: R | typeof END;
    try {
      result = await head;
    } catch (err) {
      await this.stop().catch(() => undefined); // the failure matters more than closing the source
      throw err;
    }
    if (result === END) return this.return();
    this.handedOut++;
    return { done: false, value: result };
  }

  /** Drops what is in flight (onAbandon gets each result) and closes the source. */
  async return(): Promise<IteratorResult<R>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  private async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { onAbandon } = this.options;
    for (const step of this.pending.splice(0)) {
      step.then((r) => {
        if (r !== END) onAbandon?.(r);
      }, () => undefined);
    }
    await this.pulled; // an async source is not closed while a pull of it runs
    await (this.syncSource?.return?.() ?? this.asyncSource?.return?.());
  }
}

/** `new OrderedMap(...)`, read as a verb: `for await (const r of orderedMap(items, 4, work))`. */
export function orderedMap<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R> | R,
  options?: OrderedMapOptions<R>,
): OrderedMap<T, R> {
  return new OrderedMap(source, limit, fn, options);
}

// orderedMap: bounded concurrency, results in source order, failures in
// their turn, work kept ahead of the consumer, and early stops that give
// back what was in flight.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { orderedMap } from '../../src/util/ordered-map.js';

/** A call that settles after `ms`, noting how many run at once. */
function tracker() {
  let running = 0;
  const seen = { most: 0, started: [] as number[] };
  const work = async (x: number, ms: number) => {
    seen.started.push(x);
    running++;
    seen.most = Math.max(seen.most, running);
    await sleep(ms);
    running--;
    return x * 10;
  };
  return { seen, work };
}

async function* slowly(values: number[], ms = 1): AsyncGenerator<number> {
  for (const v of values) {
    await sleep(ms);
    yield v;
  }
}

async function collect<R>(it: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('orderedMap', () => {
  for (const [name, source] of [['a sync source', () => [1, 2, 3, 4, 5, 6, 7, 8]], ['an async source', () => slowly([1, 2, 3, 4, 5, 6, 7, 8])]] as const) {
    test(`${name}: source order whatever the finishing order, at most limit in flight`, async () => {
      const { seen, work } = tracker();
      // Later items finish first.
      const got = await collect(orderedMap(source(), 3, (x) => work(x, 40 - x * 4)));
      assert.deepEqual(got, [10, 20, 30, 40, 50, 60, 70, 80]);
      assert.equal(seen.most, 3);
    });
  }

  test('the index of each item is passed; a limit below 1 is refused', async () => {
    assert.deepEqual(await collect(orderedMap(['a', 'b', 'c'], 2, (x, i) => `${x}${i}`)), ['a0', 'b1', 'c2']);
    assert.throws(() => orderedMap([1], 0, (x) => x), /expected a limit of at least 1, received 0/);
  });

  test('a failure is thrown in its turn, after the results before it; nothing goes unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const got: number[] = [];
      const it = orderedMap([1, 2, 3, 4, 5], 4, async (x) => {
        if (x === 3 || x === 4) throw new Error(`item ${x}`);
        await sleep(20);
        return x;
      });
      await assert.rejects(
        (async () => {
          for await (const r of it) got.push(r);
        })(),
        /item 3/,
      );
      assert.deepEqual(got, [1, 2]);
      await sleep(30);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('a failing source is thrown in its turn too', async () => {
    async function* broken(): AsyncGenerator<number> {
      yield 1;
      throw new Error('source broke');
    }
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of orderedMap(broken(), 3, (x) => x)) got.push(r);
      })(),
      /source broke/,
    );
    assert.deepEqual(got, [1]);
  });

  test('limit - 1 calls run on while the consumer is busy with a result; each next() tops them up', async () => {
    const { seen, work } = tracker();
    const it = orderedMap(slowly([1, 2, 3, 4, 5]), 3, (x) => work(x, 5));
    assert.equal((await it.next()).value, 10);
    // The consumer takes its time: items 2 and 3, started before, run on; nothing more starts unasked.
    await sleep(50);
    assert.deepEqual(seen.started, [1, 2, 3]);
    assert.equal((await it.next()).value, 20);
    await sleep(50);
    assert.deepEqual(seen.started, [1, 2, 3, 4]);
    await it.return();
  });

  test('stopping early: onAbandon gets every result not handed out, and the source is closed', async () => {
    let closed = false;
    function* source(): Generator<number> {
      try {
        for (let i = 1; i <= 100; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const abandoned: number[] = [];
    const it = orderedMap(source(), 4, async (x) => {
      await sleep(5);
      return x;
    }, { onAbandon: (r) => abandoned.push(r) });
    for await (const r of it) if (r === 2) break;
    await sleep(20);
    assert.ok(closed, 'the source generator was closed');
    assert.deepEqual(abandoned.sort((a, b) => a - b), [3, 4, 5]); // started by the second next(), never handed out
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  test('an async source is pulled one item at a time, never twice at once', async () => {
    let pulling = 0;
    let most = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          async next() {
            pulling++;
            most = Math.max(most, pulling);
            await sleep(2);
            pulling--;
            return i < 10 ? { done: false, value: i++ } : { done: true, value: undefined };
          },
        };
      },
    };
    assert.deepEqual(await collect(orderedMap(source, 5, async (x) => x)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(most, 1);
  });
  test('growTo: each time the consumer must wait for its result, one more call may run, up to growTo and while canGrow says so', async () => {
    const items = Array.from({ length: 60 }, (_, i) => i);
    // Calls of 5 ms, a consumer that never waits on its own: starved at a limit of 2, so the limit grows.
    const grown = tracker();
    assert.deepEqual(await collect(orderedMap(items, 2, (x) => grown.work(x, 5), { growTo: 8 })), items.map((x) => x * 10));
    assert.equal(grown.seen.most, 8);
    // canGrow false: the limit stays.
    const held = tracker();
    await collect(orderedMap(items, 2, (x) => held.work(x, 5), { growTo: 8, canGrow: () => false }));
    assert.equal(held.seen.most, 2);
    // canGrow also holds back calls past the first limit: grown to 8, then told no, at most 2 run as new ones start.
    let allow = true;
    let running = 0;
    let mostAfterNo = 0;
    let handed = 0;
    const gated = async (x: number) => {
      running++;
      if (!allow) mostAfterNo = Math.max(mostAfterNo, running);
      await sleep(5);
      running--;
      return x;
    };
    for await (const _ of orderedMap(items, 2, gated, { growTo: 8, canGrow: () => allow })) if (++handed === 30) allow = false;
    assert.equal(handed, items.length);
    assert.ok(mostAfterNo >= 1 && mostAfterNo <= 2, `${mostAfterNo} running once canGrow said no`);
    // A consumer slower than the calls never waits for them: no growth.
    const fed = tracker();
    for await (const _ of orderedMap(items.slice(0, 20), 2, (x) => fed.work(x, 1), { growTo: 8 })) await sleep(10);
    assert.equal(fed.seen.most, 2);
  });
});

// ByteBudget: shares granted first come first served, a share past the whole
// budget alone, and part of a share given back early.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBudget } from '../../src/util/byte-budget.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('shares are granted in the order asked for, a later small one waiting behind an earlier large one', async () => {
  const budget = new ByteBudget(100);
  const granted: string[] = [];
  const a = await budget.take(60);
  const b = budget.take(60).then((r) => (granted.push('b'), r));
  const c = budget.take(10).then((r) => (granted.push('c'), r)); // fits now, but b asked first
  await tick();
  assert.deepEqual(granted, []);
  a();
  await tick();
  assert.deepEqual(granted, ['b', 'c']);
  (await b)();
  (await c)();
});

test('a share larger than the budget runs once nothing else is held', async () => {
  const budget = new ByteBudget(100);
  const small = await budget.take(10);
  let big = false;
  const large = budget.take(500).then((r) => ((big = true), r));
  await tick();
  assert.equal(big, false);
  small();
  (await large)();
  assert.equal(big, true);
});

test('part of a share given back early lets the next in; the rest goes with the last call', async () => {
  const budget = new ByteBudget(100);
  const first = await budget.take(90);
  let next = false;
  const second = budget.take(50).then((r) => ((next = true), r));
  await tick();
  assert.equal(next, false);
  first(40); // holds 50 now
  await tick();
  assert.equal(next, true);
  let third = false;
  const last = budget.take(10).then((r) => ((third = true), r));
  await tick();
  assert.equal(third, false); // 50 + 50 held
  first();
  first(); // a second release gives nothing more back
  await tick();
  assert.equal(third, true);
  (await second)();
  (await last)();
});

// BufferPool: a buffer given back is the next one handed out for its size
// class; what is not the pool's, too large, or past the idle cap is not kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool, classOf } from '../../src/util/buffer-pool.js';

test('size classes: whole pages, four per doubling, never smaller than asked', () => {
  assert.equal(classOf(0), 4096);
  assert.equal(classOf(4096), 4096);
  assert.equal(classOf(4097), 8192);
  for (let size = 1; size < 4 << 20; size = Math.ceil(size * 1.07) + 1) {
    const c = classOf(size);
    assert.ok(c >= size && c % 4096 === 0, `class ${c} for ${size}`);
    if (size > 16384) assert.ok(c <= size * 1.25 + 4096, `class ${c} wastes too much for ${size}`);
  }
  assert.equal(classOf(40_000), classOf(39_000)); // one class serves sizes near each other
});

test('a buffer given back is handed out again, for any size of its class', () => {
  const pool = new BufferPool(1 << 20, 1 << 20);
  const a = pool.take(40_000);
  assert.equal(a.length, 40_000);
  a.fill(7);
  pool.give(a);
  const b = pool.take(39_000);
  assert.equal(b.length, 39_000);
  assert.equal(b.buffer, a.buffer, 'the same memory');
  assert.equal(b[0], 7, 'not zeroed: the pool hands memory out as it was left');
  const c = pool.take(39_000); // the class is empty again: a new buffer
  assert.notEqual(c.buffer, a.buffer);
});

test('buffers not taken from the pool, views into them, and those over the largest size are not kept', () => {
  const pool = new BufferPool(1 << 20, 64 << 10);
  const foreign = Buffer.alloc(40_000);
  pool.give(foreign);
  assert.notEqual(pool.take(40_000).buffer, foreign.buffer);
  const taken = pool.take(40_000);
  pool.give(taken.subarray(8)); // not what take() returned
  assert.notEqual(pool.take(40_000).buffer, taken.buffer);
  const large = pool.take(100_000);
  pool.give(large);
  assert.notEqual(pool.take(100_000).buffer, large.buffer);
});

test('at most maxIdleBytes wait unused', () => {
  const capacity = classOf(40_000);
  const pool = new BufferPool(2 * capacity, 1 << 20);
  const taken = [pool.take(40_000), pool.take(40_000), pool.take(40_000)];
  for (const b of taken) pool.give(b);
  const again = [pool.take(40_000), pool.take(40_000), pool.take(40_000)];
  const reused = again.filter((b) => taken.some((t) => t.buffer === b.buffer));
  assert.equal(reused.length, 2, 'two kept, the third dropped');
});

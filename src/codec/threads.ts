/**
 * How many decode and encode calls run at once: one option spec for im2rec
 * (--num-thread) and ImageRecordIter (preprocessThreads), as INTER_METHOD is
 * one for their interpolation; each names it its own way. The calls run on
 * libuv's pool, which the commands size from it (bin/launch.cjs).
 */
import os from 'node:os';
import { MAX_THREADS } from '../io/limits.js';
import { integer } from '../util/schema.js';

export function codecThreads(o: { doc: string; mxnet: string; flag?: string }) {
  return integer({ doc: o.doc, mxnet: o.mxnet, flag: o.flag, default: () => Math.min(os.availableParallelism(), MAX_THREADS), defaultText: 'the cores', min: 1, max: MAX_THREADS });
}

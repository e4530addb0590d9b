/**
 * MXNet's `inter_method` codes, shared by im2rec and ImageRecordIter: 0..4
 * are OpenCV's interpolation flags; 9 picks by direction (MXNet's
 * GetInterMethod: cubic to enlarge, area to shrink, else linear); 10 picks one
 * of 0..4 at random, from `pick` (0..4).
 */
import { integer } from '../util/schema.js';
import { FILTERS, type Filter } from './types.js';

/** The codes, as one option spec for both tools. */
export const INTER_METHOD = integer({
  doc: "OpenCV's interpolation: 0 nearest, 1 linear, 2 cubic, 3 area, 4 lanczos; 9 auto (cubic up, area down), 10 random per image",
  mxnet: 'inter_method',
  default: 1,
  min: 0,
  max: 10,
  check: (v: number) => v <= 4 || v >= 9,
  expected: 'one of 0, 1, 2, 3, 4, 9, 10',
});

type Size = { width: number; height: number };

export function interMethodFilter(method: number, from: Size, to: Size, pick: () => number): Filter {
  if (method === 9) {
    if (to.width > from.width && to.height > from.height) return 'cubic';
    if (to.width < from.width && to.height < from.height) return 'area';
    return 'linear';
  }
  if (method === 10) return FILTERS[pick()]!;
  return FILTERS[method]!;
}

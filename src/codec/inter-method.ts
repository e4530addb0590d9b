/**
 * MXNet's `inter_method` codes, shared by im2rec and ImageRecordIter: 0..4
 * are OpenCV's interpolation flags; 9 picks by direction (MXNet's
 * GetInterMethod: cubic to enlarge, area to shrink, else linear); 10 picks one
 * of 0..4 at random, from `pick` (0..4).
 */
import { FILTERS, type Filter } from './types.js';

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

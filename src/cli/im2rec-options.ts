/**
 * im2rec's options, declared once (util/schema.ts), with MXNet's names and
 * defaults: the im2rec.py form's flags (PY_LIST_OPTIONS, PY_PACK_OPTIONS) and
 * the im2rec.cc form's `key=value` pairs (CC_OPTIONS). The checks, `--help`,
 * `--help-cc` and the docs tables come from here.
 */
import os from 'node:os';
import { INTER_METHOD } from '../codec/inter-method.js';
import { MAX_CHUNKS, MAX_SIDE, MAX_THREADS } from '../io/limits.js';
import { SCHEDULER_VARIABLES } from '../util/scheduler.js';
import { boolean, integer, number, oneOf, string } from '../util/schema.js';

const ratio = (doc: string, dflt: number, mxnet: string) =>
  number({ doc, default: dflt, mxnet, check: (v: number) => v >= 0 && v <= 1, expected: 'a number in 0..1', metavar: '<r>' });

/** im2rec.py's flags for making lists (--list). */
export const PY_LIST_OPTIONS = {
  list: boolean({ doc: 'make image lists instead of packing', mxnet: 'list', default: false }),
  chunks: integer({ doc: `split the list into this many chunks (at most ${MAX_CHUNKS})`, mxnet: 'chunks', default: 1, min: 1, max: MAX_CHUNKS }),
  trainRatio: ratio('share of images for PREFIX_train.lst', 1, 'train_ratio'),
  testRatio: ratio('share of images for PREFIX_test.lst', 0, 'test_ratio'),
  recursive: boolean({ doc: 'walk sub-folders; each folder gets its own label, written to PREFIX.labels.txt', mxnet: 'recursive', default: false }),
  labels: string({ doc: "with --recursive: take folder labels from this map (another run's PREFIX.labels.txt)", metavar: '<file>', expected: 'a path' }),
  shuffle: boolean({ doc: "shuffle the list with MXNet's seeded shuffle", flagDoc: "keep folder order (default: MXNet's seeded shuffle)", mxnet: 'shuffle', default: true }),
};

/** im2rec.py's flags for packing. */
export const PY_PACK_OPTIONS = {
  passThrough: boolean({ doc: 'store the image files as they are (no decode, resize or re-encode)', mxnet: 'pass_through', default: false }),
  resize: integer({ doc: `resize the shorter edge to N pixels (0: keep size; at most ${MAX_SIDE})`, mxnet: 'resize', default: 0, min: 0, max: MAX_SIDE }),
  centerCrop: boolean({ doc: 'crop the centred square', mxnet: 'center_crop', default: false }),
  quality: integer({ doc: 'JPEG quality 1..100, or PNG compression (above 9 means 9)', mxnet: 'quality', default: 95, min: 0, metavar: '<q>' }),
  color: integer({ doc: '1 colour, 0 gray, -1 as stored', mxnet: 'color', default: 1, min: -1, max: 1, metavar: '<c>' }),
  encoding: oneOf(['.jpg', '.png'], { doc: 'image format in the records', mxnet: 'encoding', default: '.jpg' }),
  packLabel: boolean({ doc: 'store every label of multi-label lists in the record (flag = label count)', mxnet: 'pack_label', default: false }),
  numThread: integer({
    doc: `threads decoding and encoding (at most ${MAX_THREADS})`,
    mxnet: 'num_thread',
    default: () => os.availableParallelism(),
    defaultText: 'the cores',
    min: 1,
    max: MAX_THREADS,
  }),
  parts: integer({ doc: "pack only part --part of N of each list (split as im2rec.cc's nsplit)", min: 1 }),
  part: string({ doc: `which part to pack, 0-based, or auto: from the scheduler (${SCHEDULER_VARIABLES.join(', ')})`, metavar: '<i|auto>' }),
  strict: boolean({ doc: 'stop at the first bad image instead of skipping it', default: false }),
  resume: boolean({ doc: 'continue an interrupted pack after its last complete record', default: false }),
};

const flag01 = (doc: string) => integer({ doc, default: 0, min: 0, max: 1, metavar: '1' });

export const CC_OPTIONS = {
  resize: integer({ doc: 'shorter edge to N pixels (-1: keep the size)', default: -1, min: -1, max: MAX_SIDE, metavar: 'N' }),
  label_width: integer({ doc: 'labels per list line', default: 1, min: 1, metavar: 'N' }),
  pack_label: flag01('store all labels in the record; needs label_width > 1'),
  center_crop: flag01('square centre crop (only with resize, as in MXNet)'),
  quality: integer({ doc: 'JPEG quality 1..100; PNG compression (above 9 means 3)', default: 95, min: 0, max: 100, metavar: 'Q' }),
  color: integer({ doc: '1 colour, 0 gray, -1 as stored', default: 1, min: -1, max: 1, metavar: 'C' }),
  encoding: oneOf(['.jpg', '.png'], { doc: 'image format in the records', default: '.jpg', metavar: 'E' }),
  unchanged: flag01('store the image files as they are'),
  inter_method: { ...INTER_METHOD, metavar: 'M' },
  nsplit: integer({ doc: 'pack part `part` of N of the list (split as dmlc splits text); the output is then OUT.rec.partIII', default: 1, min: 1, metavar: 'N' }),
  part: string({ doc: `which part, with nsplit; auto: from the scheduler (${SCHEDULER_VARIABLES.join(', ')})`, default: '0', metavar: 'I' }),
};

/** The `Keys:` block of `im2rec --help-cc`. */
export function ccKeysHelp(): string {
  const width = 100; // as HELP_LAYOUT
  const indent = ' '.repeat(20);
  const lines = Object.entries(CC_OPTIONS).map(([key, s]) => {
    const words = `${s.doc} (default ${s.default})`.split(' ');
    const out = [`  ${key}=${s.metavar}`.padEnd(20)];
    for (const word of words) {
      const last = out.length - 1;
      if (out[last]!.length + word.length + 1 > width && out[last]!.trim() !== `${key}=${s.metavar}`) out.push(indent + word);
      else out[last] += (out[last]!.endsWith(' ') ? '' : ' ') + word;
    }
    return out.join('\n');
  });
  return lines.join('\n');
}

/**
 * The im2rec.cc command line's `key=value` options, declared once (util/schema.ts):
 * MXNet's names and defaults. The checks, `im2rec --help-cc` and the docs table
 * come from here.
 */
import { INTER_METHOD } from '../codec/inter-method.js';
import { MAX_SIDE } from '../im2rec/image-plan.js';
import { integer, oneOf } from '../util/schema.js';

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
  part: integer({ doc: 'which part, with nsplit', default: 0, min: 0, metavar: 'I' }),
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

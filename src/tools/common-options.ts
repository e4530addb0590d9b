/**
 * Options that several tools take, declared once (util/schema.ts). The
 * command line spells them its own way (`--index FILE` / `--no-index`, a
 * names file), so they carry no flag: the commands turn their flags into these.
 */
import { custom } from '../util/schema.js';
import { ClassNames } from './class-names.js';

/** The .idx to read (a path or URL); null or absent: none. */
export function indexPathOption(doc: string) {
  return custom({
    doc,
    parse: (v: unknown, invalid: (expected: string) => never): string | null => (v === null || (typeof v === 'string' && v !== '') ? v : invalid('a path or URL, or null')),
    expected: 'string | null',
  });
}

/** Names for labels, read by ClassNames.load. */
export function classNamesOption(doc: string) {
  return custom({
    doc,
    parse: (v: unknown, invalid: (expected: string) => never): ClassNames => (v instanceof ClassNames ? v : invalid('a ClassNames (ClassNames.load reads one)')),
    expected: 'ClassNames',
  });
}

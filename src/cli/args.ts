/** Parsers for option values, with errors that say what was expected. */
import { InvalidArgumentError } from 'commander';
import { siblingIndex } from '../io/locations.js';
import type { ClassNames } from '../tools/class-names.js';
import { UsageError } from './run.js';
import { quoted } from '../util/errors.js';
import { type OptionSpec, checkText, integer } from '../util/schema.js';

/**
 * Help text is written wrapped at 100 columns; commander would wrap it again
 * at 80 when not on a terminal (and at a narrower terminal's width), leaving
 * ragged lines. Commands inherit this from their program.
 */
export const HELP_LAYOUT = { helpWidth: 100 } as const;

/** The one help text of --force, for every command that writes. */
export const FORCE_HELP = 'replace outputs that exist (inputs are never replaced)';

/** A flag's value checked with the schema vocabulary (util/schema.ts); commander names the flag and the argument. */
export function checkedFlag<T>(spec: OptionSpec<T>): (value: string) => T {
  return (value) =>
    checkText('', spec, value, (message) => {
      throw new InvalidArgumentError(message.replace(/^: /, '').replace(/, received .*$/s, ''));
    });
}

export function integerAtLeast(min: number): (value: string) => number {
  return checkedFlag(integer({ doc: '', min }));
}

/** "a,b,c": exactly `count` numbers (or 1..count when `upTo`). */
export function numberList(count: number, upTo = false): (value: string) => number[] {
  return (value) => {
    const parts = value.split(',').map((p) => p.trim());
    const ok = upTo ? parts.length >= 1 && parts.length <= count : parts.length === count;
    const nums = parts.map((p) => (p === '' ? NaN : Number(p)));
    if (!ok || !nums.every(Number.isFinite)) {
      throw new InvalidArgumentError(`expected ${upTo ? `1 to ${count}` : count} comma-separated numbers`);
    }
    return nums;
  };
}

/** The .idx named by `--index FILE` / `--no-index`, else the one beside the .rec if present. */
export async function indexPathOption(recPath: string, option: string | boolean | undefined): Promise<string | null> {
  if (option === false) return null;
  return typeof option === 'string' ? option : siblingIndex(recPath);
}

/**
 * Labels from a comma-separated list of labels or, given names, of names too
 * (`--labels "Fish Tank,3"`). Names hold no commas in the forms ClassNames reads.
 */
export function labelList(option: string, list: string, names: ClassNames | undefined): number[] {
  return list.split(',').map((token) => {
    const text = token.trim();
    const label = names ? names.labelOf(text) : /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
    if (label === undefined || text === '' || !Number.isFinite(label)) {
      const expected = names ? `a label or a name in ${names.file}` : 'a number (with --names FILE, names work too)';
      throw new UsageError(`${option}: expected ${expected}, received ${quoted(text)}`);
    }
    return label;
  });
}

/**
 * commander's argument errors as one line: `rec view: option ... is invalid. ... (see rec view --help)`;
 * its suggestion for an unknown flag, which it puts on a line of its own, follows on the same line.
 */
export function oneLineErrors(command: string): { outputError: (text: string, write: (text: string) => void) => void } {
  return { outputError: (text, write) => write(`${command}: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see ${command} --help)\n`) };
}

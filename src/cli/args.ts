/** Parsers for option values, with errors that say what was expected. */
import { InvalidArgumentError } from 'commander';

export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

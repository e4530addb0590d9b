/** What the commands that write a new .rec + .idx (merge, split, subset, shuffle) share. */
import type { Command } from 'commander';
import type { RewriteResult } from '../../tools/rewrite.js';
import { FORCE_HELP } from '../args.js';
import { UsageError } from '../run.js';
import { stringifyJson } from '../../util/json.js';

export function addRewriteOptions(command: Command): Command {
  return command
    .option('--renumber', 'keys 0..n-1 in output order, written into each image header id too (default: keys kept, from the .idx or header id)')
    .option('--force', FORCE_HELP)
    .option('-q, --quiet', 'no progress');
}

/** The output of a command that writes one file: `-o OUT`, or (the older form) after the input. */
export function oneOutput(afterInput: string | undefined, option: string | undefined): string {
  if (afterInput !== undefined && option !== undefined) {
    throw new UsageError(`expected the output once, as -o OUT or after FILE, received both (${afterInput} and -o ${option})`);
  }
  const out = option ?? afterInput;
  if (out === undefined) throw new UsageError('expected the output: -o OUT.rec');
  return out;
}

export function reportWritten(program: string, results: readonly RewriteResult[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${stringifyJson(results.length === 1 ? results[0] : results, 2)}\n`);
    return;
  }
  for (const r of results) {
    const dup = r.duplicateKeys > 0 ? ` (${r.duplicateKeys} duplicate keys: the last record wins)` : '';
    process.stderr.write(`${program}: wrote ${r.out} and ${r.indexPath}: ${r.records} records${dup}\n`);
  }
}

/** What the commands that write a new .rec + .idx (merge, split, subset, shuffle) share. */
import type { Command } from 'commander';
import type { RewriteResult } from '../../tools/rewrite.js';

export function addRewriteOptions(command: Command): Command {
  return command
    .option('--renumber', 'keys 0..n-1 in output order, written into each image header id too (default: keys kept, from the .idx or header id)')
    .option('-q, --quiet', 'no progress');
}

export function reportWritten(program: string, results: readonly RewriteResult[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    const dup = r.duplicateKeys > 0 ? ` (${r.duplicateKeys} duplicate keys: the last record wins)` : '';
    process.stderr.write(`${program}: wrote ${r.out} and ${r.indexPath}: ${r.records} records${dup}\n`);
  }
}

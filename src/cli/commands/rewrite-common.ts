/** What the commands that write a new .rec + .idx (merge, split, subset, shuffle) share. */
import type { Command } from 'commander';
import type { RewriteResult } from '../../tools/rewrite.js';
import { addSchemaFlags, namedByFlag, valuesFromFlags } from '../schema-flags.js';
import type { OptionsOf, Schema } from '../../util/schema.js';
import { UsageError } from '../run.js';
import { stringifyJson } from '../../util/json.js';

/** The flags of a rewrite's options (its schema: REWRITE_OPTIONS and the tool's own), then --json and --quiet. */
export function addRewriteOptions(command: Command, schema: Schema): Command {
  addSchemaFlags(command, schema);
  return command.option('--json', 'print a JSON summary').option('-q, --quiet', 'no progress');
}

/**
 * Runs a rewrite with the options its flags give (and the command's own:
 * progress, signal, values the command reads from files); a problem with an
 * option names its flag.
 */
export function rewriteWith<S extends Schema, R>(schema: S, flags: object, run: (given: Partial<OptionsOf<S>>) => Promise<R>): Promise<R> {
  return run(valuesFromFlags(schema, flags)).catch((err: unknown) => {
    throw namedByFlag(schema, err);
  });
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
    const dup = r.duplicateKeys > 0 ? ` (${r.duplicateKeys} duplicate keys: the last record wins; --renumber gives every record a key of its own)` : '';
    process.stderr.write(`${program}: wrote ${r.out} and ${r.indexPath}: ${r.records} records${dup}\n`);
    if (r.layout) {
      const left = r.layout.leftOut > 0 ? `; ${r.layout.leftOut} records without an image left out` : '';
      process.stderr.write(`${program}: insightface layout: ${r.layout.images} images of ${r.layout.identities} identities, then record 0 and the identity records${left}\n`);
      const moved = r.layout.labelOffsets?.slice(1);
      if (moved?.some((offset) => offset > 0)) {
        process.stderr.write(`${program}: identities kept apart: the labels of the inputs after the first moved by ${moved.join(', ')} (parts of one dataset keep theirs with --identities shared)\n`);
      }
    }
  }
}

import type { Command } from 'commander';
import { AUDIT_OPTIONS, auditRecordFiles } from '../../tools/audit/audit.js';
import { summaryLines } from '../../tools/audit/report.js';
import { addSchemaFlags, namedByFlag, valuesFromFlags } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { EXIT_BAD_DATA, EXIT_OK, runWritingCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';

interface AuditFlags {
  json?: boolean;
  quiet?: boolean;
  failOnDuplicates?: boolean;
}

export function addAuditCommand(program: Command): void {
  const command = program
    .command('audit')
    .summary('duplicates, near-duplicates, train/val/test overlap and class balance of .rec files')
    .description(
      'Read every image of one or more .rec files and report: exact duplicates (the same image bytes),\n' +
        'near-duplicates (the same picture re-encoded or resized: a perceptual hash from a 1/8-scale\n' +
        'decode, confirmed on the pixels), both within a file and across files (train / val / test\n' +
        'overlap, per pair of files), and the images per class (first label; per identity for\n' +
        "insightface's layout) with how unbalanced they are. Images are named by file, key (the .idx\n" +
        'key, else the header id) and label. --exclude DIR writes, per input, the keys of every member\n' +
        'of each group but the first (for files that overlap: the members in the later files) for\n' +
        '`rec subset --exclude`; --html DIR a page with a contact sheet per group and the counts as\n' +
        'charts. Exits 0 when the audit ran (whatever it found), 1 with --fail-on-duplicates when a\n' +
        'group was found or when a file is damaged, 2 for bad arguments, unreadable files or outputs\n' +
        'that exist.',
    )
    .argument('<files...>', 'the .rec files (paths, http(s):// URLs or s3:// objects), in the order that says which copy is kept: the first');
  addSchemaFlags(command, AUDIT_OPTIONS);
  command
    .option('--fail-on-duplicates', 'exit 1 when any group (exact or near) is found: for CI')
    .option('--json', 'print the whole report (every group and member) as JSON')
    .option('-q, --quiet', 'no progress')
    .addHelpText(
      'after',
      '\nExamples:\n  rec audit train.rec\n  rec audit val.rec train.rec --exclude audit/ --html audit/\n' +
        '  rec subset train.rec -o train-clean.rec --exclude audit/train.exclude.txt\n  rec audit train.rec --no-near --fail-on-duplicates',
    )
    .action(async (files: string[], opts: AuditFlags) =>
      runWritingCommand('rec audit', async (signal) => {
        const given = valuesFromFlags(AUDIT_OPTIONS, opts);
        const result = await withByteProgress('rec audit', opts.quiet, (onProgress) =>
          auditRecordFiles(files, { ...given, onProgress, signal }).catch((err: unknown) => {
            throw namedByFlag(AUDIT_OPTIONS, err);
          }),
        );
        if (opts.json) process.stdout.write(`${stringifyJson(result, 2)}\n`);
        else process.stdout.write(`${summaryLines(result).join('\n')}\n`);
        return opts.failOnDuplicates && result.groups.length > 0 ? EXIT_BAD_DATA : EXIT_OK;
      }),
    );
}

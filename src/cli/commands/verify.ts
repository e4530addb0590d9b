import type { Command } from 'commander';
import { type Problem, VERIFY_OPTIONS, type VerifyReport, verifyRecordFile } from '../../tools/verify.js';
import { DEFAULT_MAX_PROBLEMS, SHOWN_PROBLEMS } from '../../io/limits.js';
import { indexPathOption } from '../args.js';
import { addSchemaFlags, valuesFromFlags } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { EXIT_BAD_DATA, EXIT_OK, runCommand } from '../run.js';
import { stringifyJson } from '../../util/json.js';
import { verifyExport } from '../../exchange/verify-export.js';

function summary(report: VerifyReport): string {
  const multi = report.multiPart > 0 ? `, ${report.multiPart} stored in several parts` : '';
  const decoded = report.decoded === null ? '' : `, ${report.decoded} images checked by decoding`;
  return `${report.records} records${multi}${decoded}, ${report.size} bytes`;
}

function describe(p: Problem): string {
  return p.key !== undefined && !p.message.includes(`key ${p.key}`) ? `${p.message} [key ${p.key}]` : p.message;
}

/** An export's manifest (`rec export`): every shard there, of its size and SHA-256. */
async function verifyManifest(file: string, opts: { json?: boolean; quiet?: boolean }): Promise<number> {
  const check = await withByteProgress('rec verify', opts.quiet, (onProgress) => verifyExport(file, { onProgress }));
  if (opts.json) {
    process.stdout.write(`${stringifyJson({ ...check, ok: check.problems.length === 0 }, 2)}\n`);
  } else if (check.problems.length === 0) {
    process.stdout.write(`${check.manifest}: OK: ${check.shards} ${check.format} shards, ${check.samples} samples, ${check.bytes} bytes, every SHA-256 as exported\n`);
  } else {
    process.stdout.write(`${check.manifest}: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}\n`);
    for (const p of check.problems) process.stdout.write(`  ${p}\n`);
  }
  return check.problems.length === 0 ? EXIT_OK : EXIT_BAD_DATA;
}

export function addVerifyCommand(program: Command): void {
  const command = program
    .command('verify')
    .summary("check every record's framing and the .idx; with --decode, every image; or an export's shards")
    .description(
      "Check every record's framing (magic, lengths, part sequence, padding to the end of the file)\n" +
        'and, when the .idx beside it exists, that each entry points at a record start and every record\n' +
        'has an entry. With --decode, also decode every image. Problems are listed with their byte\n' +
        'offset and key. Given the manifest of `rec export` (a .json), check every shard it lists is\n' +
        'there with the size and SHA-256 it was written with. Exits 0 when sound, 1 when not.',
    )
    .argument('<file>', 'the .rec file, or an export manifest (a path, an http(s):// URL or an s3:// object)')
    .option('--index <file>', 'the .idx to check (default: the .rec path with .idx, if present)')
    .option('--no-index', 'do not check an .idx');
  addSchemaFlags(command, VERIFY_OPTIONS);
  command
    .option('--json', 'print the report (problems with file, offset, key, code, message; counts by code) as JSON')
    .option('-q, --quiet', 'no progress')
    .addHelpText('after', '\nExamples:\n  rec verify train.rec && echo sound\n  rec verify train.rec --decode --json | jq \'.problems[] | [.offset, .key]\'')
    .action(
      async (file: string, opts: { index?: string | boolean; json?: boolean; quiet?: boolean }) =>
        runCommand('rec verify', async () => {
          if (/\.json$/i.test(file)) return verifyManifest(file, opts);
          const indexPath = await indexPathOption(file, opts.index);
          const given = valuesFromFlags(VERIFY_OPTIONS, opts);
          const maxProblems = given.maxProblems ?? (opts.json ? DEFAULT_MAX_PROBLEMS : SHOWN_PROBLEMS);
          const report = await withByteProgress('rec verify', opts.quiet, (onProgress) =>
            verifyRecordFile(file, { ...given, indexPath, onProgress, maxProblems }),
          );
          const { problems, problemCount } = report;
          if (opts.json) {
            process.stdout.write(`${stringifyJson({ ...report, ok: problemCount === 0 }, 2)}\n`);
          } else if (problemCount === 0) {
            process.stdout.write(`${report.file}: OK: ${summary(report)}\n`);
            if (report.index) process.stdout.write(`${report.index.file}: OK: ${report.index.entries} entries, every record indexed\n`);
          } else {
            process.stdout.write(`${report.file}: ${problemCount} problem${problemCount === 1 ? '' : 's'} (${summary(report)})\n`);
            for (const p of problems) process.stdout.write(`  ${describe(p)}\n`);
            if (problemCount > problems.length) process.stdout.write(`  ... and ${problemCount - problems.length} more\n`);
          }
          return problemCount === 0 ? EXIT_OK : EXIT_BAD_DATA;
        }),
    );
}

import type { Command } from 'commander';
import { type VerifyReport, siblingIndex, verifyRecordFile } from '../../tools/verify.js';
import { integerAtLeast } from '../args.js';
import { EXIT_BAD_DATA, EXIT_OK, runCommand } from '../run.js';

function summary(report: VerifyReport): string {
  const multi = report.multiPart > 0 ? `, ${report.multiPart} stored in several parts` : '';
  return `${report.records} records${multi}, ${report.size} bytes`;
}

export function addVerifyCommand(program: Command): void {
  program
    .command('verify')
    .summary("check every record's framing and the .idx")
    .description(
      "Check every record's framing (magic, lengths, part sequence, padding to the end of the file)\n" +
        'and, when the .idx beside it exists, that each entry points at a record start and every record\n' +
        'has an entry. Exits 0 when sound, 1 with the first problems listed when not.',
    )
    .argument('<file>', 'the .rec file')
    .option('--index <file>', 'the .idx to check (default: the .rec path with .idx, if present)')
    .option('--no-index', 'do not check an .idx')
    .option('--max-problems <n>', 'problems to list', integerAtLeast(1), 20)
    .addHelpText('after', '\nExample:\n  rec verify train.rec && echo sound')
    .action(async (file: string, opts: { index?: string | boolean; maxProblems: number }) =>
      runCommand('rec verify', async () => {
        const indexPath = opts.index === false ? null : typeof opts.index === 'string' ? opts.index : siblingIndex(file);
        const report = await verifyRecordFile(file, { indexPath });
        const { problems } = report;
        if (problems.length === 0) {
          process.stdout.write(`${file}: OK: ${summary(report)}\n`);
          if (report.index) process.stdout.write(`${report.index.file}: OK: ${report.index.entries} entries, every record indexed\n`);
          return EXIT_OK;
        }
        process.stdout.write(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${summary(report)})\n`);
        for (const p of problems.slice(0, opts.maxProblems)) process.stdout.write(`  ${p.message}\n`);
        if (problems.length > opts.maxProblems) process.stdout.write(`  ... and ${problems.length - opts.maxProblems} more\n`);
        return EXIT_BAD_DATA;
      }),
    );
}

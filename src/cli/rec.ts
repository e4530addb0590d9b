/** `rec`: everyday tools for RecordIO datasets. */
import { Command } from 'commander';
import { addAuditCommand } from './commands/audit.js';
import { addCompletionCommand } from './commands/completion.js';
import { addDumpCommand } from './commands/dump.js';
import { addExportCommand } from './commands/export.js';
import { addFlattenCommand } from './commands/flatten.js';
import { addImportCommand } from './commands/import.js';
import { addIndexCommand } from './commands/index.js';
import { addInfoCommand } from './commands/info.js';
import { addIterCommand } from './commands/iter.js';
import { addMergeCommand } from './commands/merge.js';
import { addRepairCommand } from './commands/repair.js';
import { addShuffleCommand } from './commands/shuffle.js';
import { addSplitCommand } from './commands/split.js';
import { addSubsetCommand } from './commands/subset.js';
import { addUnpackCommand } from './commands/unpack.js';
import { addVerifyCommand } from './commands/verify.js';
import { addViewCommand } from './commands/view.js';
import { HELP_LAYOUT, oneLineErrors } from './args.js';
import { exitQuietlyOnClosedStdout, reportError } from './run.js';
import { addVersionOption } from './version.js';

export function recProgram(): Command {
  const program = addVersionOption(
    new Command('rec').description('Inspect, view, check, index, unpack, split, merge, flatten, iterate, export and import MXNet RecordIO (.rec/.idx) datasets; no MXNet needed.'),
  )
    .configureHelp(HELP_LAYOUT)
    .exitOverride()
    .configureOutput(oneLineErrors('rec'))
    .addHelpText(
      'after',
      '\nCommands that write never replace an existing file without --force, and a run that writes nothing fails.\n' +
        'Exit codes: 0 done / sound, 1 damaged or inconsistent data (or nothing to write), 2 bad arguments,\n' +
        'unreadable files or outputs that exist.',
    );
  addAuditCommand(program);
  addDumpCommand(program);
  addExportCommand(program);
  addFlattenCommand(program);
  addImportCommand(program);
  addIndexCommand(program);
  addInfoCommand(program);
  addIterCommand(program);
  addMergeCommand(program);
  addRepairCommand(program);
  addShuffleCommand(program);
  addSplitCommand(program);
  addSubsetCommand(program);
  addUnpackCommand(program);
  addVerifyCommand(program);
  addViewCommand(program);
  addCompletionCommand(program);
  // A mistake in a command's arguments names that command, and the help that explains it.
  for (const command of program.commands) command.configureOutput(oneLineErrors(`rec ${command.name()}`));
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  exitQuietlyOnClosedStdout();
  try {
    await recProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError('rec', err);
  }
}

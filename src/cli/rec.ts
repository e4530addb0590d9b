/** `rec`: everyday tools for RecordIO datasets. */
import { Command } from 'commander';
import { addDumpCommand } from './commands/dump.js';
import { addIndexCommand } from './commands/index.js';
import { addIterCommand } from './commands/iter.js';
import { addMergeCommand } from './commands/merge.js';
import { addVerifyCommand } from './commands/verify.js';
import { exitQuietlyOnClosedStdout, reportError } from './run.js';
import { version } from './version.js';

export function recProgram(): Command {
  const program = new Command('rec')
    .description('Inspect, check, index, merge and iterate MXNet RecordIO (.rec/.idx) datasets; no MXNet needed.')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`rec: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(see rec --help)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done / sound, 1 damaged or inconsistent data, 2 bad arguments or unreadable files.',
    );
  addDumpCommand(program);
  addIndexCommand(program);
  addIterCommand(program);
  addMergeCommand(program);
  addVerifyCommand(program);
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

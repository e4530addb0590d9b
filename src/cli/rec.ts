/**
 * `rec`: everyday tools for RecordIO datasets.
 *
 * Each command's module (and what it imports: the codec, the exchange
 * formats, the iterator...) is loaded only when that command runs: a run of
 * `rec flatten` loads a third of the modules `rec --help` does (its start
 * 0.21 s instead of 0.27 s on the development machine), on every call.
 */
import { Command } from 'commander';
import { HELP_LAYOUT, oneLineErrors } from './args.js';
import { exitQuietlyOnClosedStdout, reportError } from './run.js';
import { addVersionOption } from './version.js';

type AddCommand = (program: Command) => void;

/** The commands, in the order --help lists them: each loads its module when asked for. */
const COMMANDS: Record<string, () => Promise<AddCommand>> = {
  audit: async () => (await import('./commands/audit.js')).addAuditCommand,
  dump: async () => (await import('./commands/dump.js')).addDumpCommand,
  export: async () => (await import('./commands/export.js')).addExportCommand,
  flatten: async () => (await import('./commands/flatten.js')).addFlattenCommand,
  import: async () => (await import('./commands/import.js')).addImportCommand,
  index: async () => (await import('./commands/index.js')).addIndexCommand,
  info: async () => (await import('./commands/info.js')).addInfoCommand,
  iter: async () => (await import('./commands/iter.js')).addIterCommand,
  merge: async () => (await import('./commands/merge.js')).addMergeCommand,
  repair: async () => (await import('./commands/repair.js')).addRepairCommand,
  shuffle: async () => (await import('./commands/shuffle.js')).addShuffleCommand,
  split: async () => (await import('./commands/split.js')).addSplitCommand,
  subset: async () => (await import('./commands/subset.js')).addSubsetCommand,
  unpack: async () => (await import('./commands/unpack.js')).addUnpackCommand,
  verify: async () => (await import('./commands/verify.js')).addVerifyCommand,
  view: async () => (await import('./commands/view.js')).addViewCommand,
  // Last: it writes a script from every command above.
  completion: async () => (await import('./commands/completion.js')).addCompletionCommand,
};

/**
 * The `rec` program: with `only`, that command alone (what a run of it
 * needs); else every command (--help, completion, an unknown name's
 * suggestion, the docs).
 */
export async function recProgram(only?: string): Promise<Command> {
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
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) && only !== 'completion' ? [only] : Object.keys(COMMANDS);
  for (const add of await Promise.all(names.map((name) => COMMANDS[name]!()))) add(program);
  // A mistake in a command's arguments names that command, and the help that explains it.
  for (const command of program.commands) command.configureOutput(oneLineErrors(`rec ${command.name()}`));
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  exitQuietlyOnClosedStdout();
  try {
    // The first word is the command (rec has no options that take a value before it).
    await (await recProgram(argv[2])).parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError('rec', err);
  }
}

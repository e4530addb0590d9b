import { type Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { codecInWords } from '../codec/codec.js';

/** The package version, from package.json. */
export const version: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** What `--version` prints: mxrec's version and the image codec in use (codecInWords). */
export function versionText(): string {
  return `mxrec ${version} (${codecInWords()})`;
}

/**
 * `-V, --version`, as commander's .version() gives it, but with the text made
 * only when asked: it loads sharp to ask its version, which no other run
 * should pay for. The program uses exitOverride, so the exit is a
 * CommanderError with code 0, as commander's own.
 */
export function addVersionOption(program: Command): Command {
  return program.option('-V, --version', 'show the version and the image codec in use').on('option:version', () => {
    const text = versionText();
    process.stdout.write(`${text}\n`);
    throw new CommanderError(0, 'commander.version', text);
  });
}

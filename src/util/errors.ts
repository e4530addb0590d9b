/**
 * The one base of mxrec's errors. Its `kind` says whose move it is, and so
 * what exit code the commands give (cli/run.ts), without a list of classes:
 *
 *     data     the bytes are damaged or inconsistent (a bad record, a malformed
 *              .lst line, labels that do not fit, nothing to write)          exit 1
 *     usage    the call is wrong: an option, a file that is not what it should
 *              be (an .idx given as the .rec), a limit that needs raising     exit 2
 *     io       a file cannot be had as asked: an output that exists or is
 *              locked, an input past a size cap                             exit 2
 *     network  a URL that cannot be read: refused, not found, gave up retrying exit 2
 *
 * Errors from Node itself (ENOENT, EACCES, ...) are io as well; the CLI
 * words them. Anything else that reaches the CLI is a bug in mxrec.
 * (ARCHITECTURE.md, "Errors and exit codes".)
 */
export type ErrorKind = 'data' | 'usage' | 'io' | 'network';

export abstract class MxrecError extends Error {
  abstract readonly kind: ErrorKind;
}


/**
 * Text from data quoted in a message: JSON-escaped (so a newline or a control
 * character cannot break the one line) and cut to `max` characters, so a
 * megabyte-long path or key costs a line, not a megabyte.
 */
export function quoted(text: string, max = 120): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`;
}

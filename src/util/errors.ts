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
 * A call that cannot be done as asked: an option or argument of the wrong
 * type or out of range (a command's flag, or what a caller passes to the
 * library), or a method called when it no longer applies (a write after
 * close). The message names the option, argument or method, in one line.
 */
export class UsageError extends MxrecError {
  override readonly name: string = 'UsageError';
  readonly kind = 'usage';
}


/**
 * Characters that can break or disguise the one line a message, a list line
 * or a file name shown is: C0 and C1 controls (a line break, a tab, ESC, CSI),
 * DEL, the Unicode line and paragraph separators, and the bidirectional
 * overrides and marks (which reorder what a terminal shows).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/** Whether text from data holds a character of CONTROL. */
export function hasControl(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * Text from data quoted in a message: JSON-escaped, and every CONTROL
 * character as \uXXXX (so nothing from data can break or disguise the one
 * line), cut to `max` characters, so a megabyte-long path or key costs a
 * line, not a megabyte.
 */
export function quoted(text: string, max = 120): string {
  const cut = text.length <= max ? text : text.slice(0, max);
  const shown = JSON.stringify(cut).replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return cut === text ? shown : `${shown}… (${text.length} characters)`;
}

/**
 * Ceilings on what an input can make the tools do: how much of a file is
 * read whole, how many pixels are decoded at once, how large a batch may be.
 * Each is one line naming the input, what it asked for, and the ceiling with
 * the option that raises it. The CLI exits 2: the input cannot be read as asked.
 */
import { MxrecError } from '../util/errors.js';
export class LimitError extends MxrecError {
  override readonly name = 'LimitError';
  readonly kind = 'io';
}

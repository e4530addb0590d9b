/**
 * Why a command would not write: each is one line naming the file, and says
 * what to do about it. The CLI exits 2 for the refusals (the command as given
 * would have destroyed or corrupted a file) and 1 for NothingWrittenError
 * (the data gave nothing to write).
 */
import { MxrecError } from '../util/errors.js';

/**
 * An output that exists already; the library's `overwrite: true` (the
 * commands' `--force`) replaces it. The message names the option, as a
 * library caller sets it; the commands say it with their flag (withFlag).
 */
export class OutputExistsError extends MxrecError {
  override readonly name = 'OutputExistsError';
  readonly kind = 'io';
  constructor(
    readonly path: string,
    readonly detail = 'already exists',
  ) {
    super(`${path}: ${detail}; not replaced without overwrite: true`);
  }

  /** The message as a command says it, naming its flag (`--force`) for the option. */
  withFlag(flag: string): string {
    return `${this.path}: ${this.detail}; not replaced without ${flag}`;
  }
}

/** An output path that names one of the inputs (by inode, so through links too); never allowed. */
export class OutputIsInputError extends MxrecError {
  override readonly name = 'OutputIsInputError';
  readonly kind = 'usage';
  constructor(readonly output: string) {
    super(`${output}: refusing to overwrite an input file`);
  }
}

/** An output that cannot be written as named: the same one twice in a run, an http(s) URL, too many s3:// objects at once. */
export class OutputNameError extends MxrecError {
  override readonly name = 'OutputNameError';
  readonly kind = 'usage';
  constructor(
    readonly output: string,
    detail: string,
  ) {
    super(`${output}: ${detail}`);
  }
}

/** Another run holds the lock on an output (see output-lock.ts), or something that is not a lock sits at its name. */
export class OutputLockedError extends MxrecError {
  override readonly name = 'OutputLockedError';
  readonly kind = 'io';
  constructor(
    readonly output: string,
    readonly lockPath: string,
    message: string,
  ) {
    super(message);
  }
}

/** A run that would publish no records (or no images, no list lines): it fails rather than leave an empty file. */
export class NothingWrittenError extends MxrecError {
  override readonly name = 'NothingWrittenError';
  readonly kind = 'data';
}

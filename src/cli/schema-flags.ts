/**
 * A schema's options as command-line flags (util/schema.ts): each option with
 * a flag becomes one, named, typed, documented and defaulted as its entry
 * says, its value checked with the library's own vocabulary. The values read
 * back map onto the library's option names, and a library error naming an
 * option is reworded to name the flag the user typed.
 */
import { type Command, Option } from 'commander';
import { type OptionSpec, type OptionsOf, type Resolved, type Schema, checkOptions, defaultOf, defaultText, flagOf } from '../util/schema.js';
import { checkedFlag } from './args.js';
import { MxrecError } from '../util/errors.js';
import { UsageError } from './run.js';

function metavarOf(s: OptionSpec): string {
  if (s.metavar) return s.metavar;
  return s.type === 'integer' ? '<n>' : s.type === 'number' ? '<x>' : s.type === 'enum' ? `<${s.values!.join('|')}>` : '<value>';
}

/** The flag's text as a value for its option, checked as the library checks it (custom values: by the library). */
function parserFor(s: OptionSpec): (text: string) => unknown {
  if (s.type === 'custom') return (text) => (s.fromText ? s.fromText(text.trim()) : text.trim());
  return checkedFlag(s);
}

/** The values an enum option's flag takes, for shell completion (completion.ts); commander's choices would reword its help and errors. */
export const flagValues = new WeakMap<Option, readonly string[]>();

/**
 * Adds a flag for each option of `schema` that has one. A required flag is
 * checked just before the action runs, not by commander's own check, which
 * comes before its check of unknown flags: `--batchsize 4` was reported as
 * `--batch-size` missing, without the "did you mean" an unknown flag gets.
 */
export function addSchemaFlags(command: Command, schema: Schema): void {
  const required: Option[] = [];
  command.hook('preAction', () => {
    for (const option of required) {
      if (command.getOptionValue(option.attributeName()) === undefined) command.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
    }
  });
  for (const [key, s] of Object.entries(schema)) {
    const flag = flagOf(key, s);
    if (!flag) continue;
    const doc = `${s.flagDoc ?? s.doc}${s.mxnet ? ` (${s.mxnet})` : ''}`;
    if (s.type === 'boolean') {
      command.option(flag, doc);
      continue;
    }
    const option = new Option(`${flag} ${metavarOf(s)}`, doc).argParser(parserFor(s));
    if (s.type === 'enum') flagValues.set(option, s.values!.map(String));
    if (s.required) required.push(option);
    // A default computed for this machine (the cores) is shown in words.
    else if (typeof s.default === 'function') option.default(defaultOf(s), defaultText(s));
    else if (s.default !== undefined && s.type !== 'custom') option.default(s.default);
    command.addOption(option);
  }
}

/** commander's name for a flag's value: `--no-round-batch` → roundBatch, `--data-shape` → dataShape, `-n, --count` → count. */
function attributeOf(flag: string): string {
  return flag
    .split(/,\s*/)
    .pop()!
    .replace(/^--(no-)?/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The values given for `schema`'s flags (and their defaults), under the library's option names. */
export function valuesFromFlags<S extends Schema>(schema: S, parsed: object): Partial<OptionsOf<S>> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) {
    const flag = flagOf(key, s);
    if (!flag) continue;
    const v = (parsed as Record<string, unknown>)[attributeOf(flag)];
    if (v !== undefined) out[key] = v;
  }
  return out as Partial<OptionsOf<S>>;
}

/**
 * The values of `schema`'s flags checked as the library checks its options
 * (custom values included, which the flag's parser only turns into values),
 * defaults applied; a problem names the flag. For a command that uses the
 * values itself rather than passing them to a library function that checks them.
 */
export function resolveFlags<S extends Schema>(schema: S, parsed: Record<string, unknown>): Resolved<S> {
  try {
    return checkOptions(schema, valuesFromFlags(schema, parsed));
  } catch (err) {
    throw namedByFlag(schema, err);
  }
}

/**
 * A library error that starts with an option's name (`dataShape: expected
 * ...`) as one that starts with its flag (`--data-shape: expected ...`), and
 * in any error, an option the message says to set (`skipCorrupt: true`) as
 * its flag (`--skip-corrupt`); other errors pass unchanged.
 * `extra` names flags of the command's own that set library options.
 */
export function namedByFlag(schema: Schema, err: unknown, extra: Readonly<Record<string, string>> = {}): unknown {
  if (!(err instanceof MxrecError)) return err;
  // The long form names it: `-n, --count` as --count.
  const flagFor = (name: string): string | null => (extra[name] ?? (schema[name] ? flagOf(name, schema[name]) : null))?.split(/,\s*/).pop() ?? null;
  // `skipCorrupt: true` in any message is how the library says what to set (the way out of a data error too):
  // at the command line that is the flag, when the flag sets it (not `--no-...`, which sets false). The error
  // keeps its class and kind, so only its words change.
  const said = err.message.replace(/\b([a-z]\w*): true\b/g, (text, name: string) => {
    const flag = schema[name]?.type === 'boolean' ? flagFor(name) : null;
    return flag && !flag.startsWith('--no-') ? flag : text;
  });
  if (said !== err.message) err.message = said;
  // Only a usage error names an option: a data error may start with a file's name that looks like one.
  if (err.kind !== 'usage') return err;
  const key = /^(\w+): /.exec(err.message);
  if (!key) return err;
  const flag = flagFor(key[1]!);
  if (!flag) return err;
  // Another option named in the text ("expected perClass too"): a camelCase name is no English word.
  const rest = err.message.slice(key[0].length).replace(/\b[a-z]+[A-Z]\w*\b/g, (name) => flagFor(name) ?? name);
  return new UsageError(`${flag}: ${rest}`);
}

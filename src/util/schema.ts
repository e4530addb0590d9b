/**
 * Options declared once. A schema is an object of option specs, each made by
 * one of the builders below (integer, number, boolean, string, oneOf,
 * custom): its type, default, range, doc, MXNet's name and command-line
 * flag. From it come
 *   - the TypeScript options type (OptionsOf) and the resolved type (Resolved),
 *   - validation with one vocabulary of messages (resolveSchema),
 *   - unknown-option errors that suggest the closest name,
 *   - the command line's flags (cli/schema-flags.ts) and the docs tables
 *     (markdownTable),
 * so adding an option is one entry. Modelled on DALI's DALI_SCHEMA
 * (AddArg(name, doc, type, default)) and sharp's single validation vocabulary.
 */
import { UsageError } from './errors.js';

/** One option. `T` is its value's type; `Req` whether a caller must give it. */
export interface OptionSpec<T = unknown, Req extends boolean = boolean> {
  readonly type: 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'custom';
  readonly doc: string;
  /** The value when none is given; a function for a default that depends on the machine. */
  readonly default?: T | (() => T);
  /** How the docs and `--help` show a default computed by a function. */
  readonly defaultText?: string;
  readonly required?: Req;
  /** MXNet's name for it (snake_case); absent for mxrec's own options. */
  readonly mxnet?: string;
  /** The command-line flag ('--prefetch'); default: the name in kebab-case. False: not on the command line. */
  readonly flag?: string | false;
  /** The flag's help where it reads otherwise than `doc` (a `--no-` flag says what turning it off does). */
  readonly flagDoc?: string;
  /** The flag's value name in `--help` (`<n>`, `<file>`). */
  readonly metavar?: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  /** What the value must be, in words, when `check` refuses it ("a number in (0, 1]"). */
  readonly expected?: string;
  check?(value: T): boolean;
  /** custom: turns the given value into T, or calls `invalid(expected)`. */
  parse?(value: unknown, invalid: (expected: string) => never): T;
  /** custom, on the command line: the flag's text as a value for `parse`. */
  fromText?(text: string): unknown;
  /** Never set: carries T for the type functions. */
  readonly __value?: T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any option's value type
export type Schema = Readonly<Record<string, OptionSpec<any>>>;

/** The value type of an option spec. */
export type OptionValue<S> = S extends OptionSpec<infer T> ? T : never;
/** The names of a schema's required options. */
export type RequiredKeys<S extends Schema> = { [K in keyof S]: S[K] extends OptionSpec<any, true> ? K : never }[keyof S]; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The names of a schema's options that have a default. */
export type DefaultedKeys<S extends Schema> = { [K in keyof S]: S[K] extends { default: unknown } ? K : never }[keyof S];

/** The options a caller passes: required ones required, the rest optional. */
export type OptionsOf<S extends Schema> = { -readonly [K in RequiredKeys<S>]: OptionValue<S[K]> } & {
  -readonly [K in Exclude<keyof S, RequiredKeys<S>>]?: OptionValue<S[K]>;
};

/** The options after resolveSchema: defaults applied; an option with neither default nor requirement may be undefined. */
export type Resolved<S extends Schema> = { -readonly [K in RequiredKeys<S> | DefaultedKeys<S>]: OptionValue<S[K]> } & {
  -readonly [K in Exclude<keyof S, RequiredKeys<S> | DefaultedKeys<S>>]: OptionValue<S[K]> | undefined;
};

type Common<T> = Pick<OptionSpec<T>, 'doc' | 'mxnet' | 'flag' | 'flagDoc' | 'metavar' | 'defaultText' | 'expected' | 'check'>;
type WithDefault<T> = { default: T | (() => T) };
type Req = { required: true };
/** What a builder's result says of itself in its type: the value type, required or not, defaulted or not (not its doc). */
export type BuiltOption<T, O> = OptionSpec<T, O extends { required: true } ? true : false> & (O extends { default: unknown } ? { readonly default: T | (() => T) } : unknown);

function spec<T>(type: OptionSpec['type'], o: object): OptionSpec<T> {
  return { type, ...o } as OptionSpec<T>;
}

export function integer<const O extends Common<number> & { min?: number; max?: number } & (WithDefault<number> | Req | object)>(o: O): BuiltOption<number, O> {
  return spec<number>('integer', o) as never;
}

export function number<const O extends Common<number> & (WithDefault<number> | Req | object)>(o: O): BuiltOption<number, O> {
  return spec<number>('number', o) as never;
}

export function boolean<const O extends Common<boolean> & (WithDefault<boolean> | object)>(o: O): BuiltOption<boolean, O> {
  return spec<boolean>('boolean', o) as never;
}

export function string<const O extends Common<string> & (WithDefault<string> | Req | object)>(o: O): BuiltOption<string, O> {
  return spec<string>('string', o) as never;
}

export function oneOf<const V extends readonly string[], const O extends Common<V[number]> & (WithDefault<V[number]> | object)>(
  values: V,
  o: O,
): BuiltOption<V[number], O> {
  return spec<V[number]>('enum', { ...o, values }) as never;
}

/**
 * A value of its own shape (paths, a data shape, an object), checked by
 * `parse`, whose return type is the option's type. On the command line only
 * with a `flag`, its text turned into a value by `fromText` (default: as is).
 */
export function custom<const O extends Common<never> & CustomParts & (WithDefault<unknown> | Req | object)>(
  o: O,
): BuiltOption<ReturnType<O['parse']>, O> {
  return spec('custom', { flag: false, ...o }) as never;
}

/** A function option (a callback such as onProgress), refused when it is not one. */
export function callback<F>(doc: string) {
  return custom({ doc, parse: (v: unknown, invalid: (expected: string) => never): F => (typeof v === 'function' ? (v as F) : invalid('a function')), expected: 'function' });
}

/** An AbortSignal option (`signal`), refused when it is not one. */
export function abortSignal(doc: string) {
  return custom({
    doc,
    // By its shape, not its class: a signal from another realm or a polyfill works the same.
    parse: (v: unknown, invalid: (expected: string) => never): AbortSignal =>
      typeof (v as AbortSignal | null)?.aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function' ? (v as AbortSignal) : invalid('an AbortSignal'),
    expected: 'AbortSignal',
  });
}

interface CustomParts {
  parse: (value: unknown, invalid: (expected: string) => never) => unknown;
  fromText?: (text: string) => unknown;
}

/** The option's default: its value, or what its function computes for this machine. */
export function defaultOf(s: OptionSpec): unknown {
  return typeof s.default === 'function' ? (s.default as () => unknown)() : s.default;
}

/** How a value is shown in a message: strings quoted, arrays as a,b,c. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(',')}]`;
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/** The one message form: `name: expected ..., received ...`. */
export function invalidMessage(name: string, expected: string, received: unknown): string {
  return `${name}: expected ${expected}, received ${show(received)}`;
}

/** What an integer spec accepts, in words: "an integer >= 1", "an integer in 0..255". */
export function integerExpected(o: { min?: number; max?: number }): string {
  if (o.min !== undefined && o.max !== undefined) return `an integer in ${o.min}..${o.max}`;
  if (o.min !== undefined) return `an integer >= ${o.min}`;
  if (o.max !== undefined) return `an integer <= ${o.max}`;
  return 'an integer';
}

/** Checks one value against its spec; returns it or throws through `fail`. */
export function checkValue<T>(name: string, s: OptionSpec<T>, v: unknown, fail: (message: string) => never): T {
  const invalid = (expected: string): never => fail(invalidMessage(name, expected, v));
  switch (s.type) {
    case 'integer':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || (s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) invalid(integerExpected(s));
      break;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) invalid(s.expected ?? 'a number');
      break;
    case 'boolean':
      if (typeof v !== 'boolean') invalid('true or false');
      break;
    case 'string':
      if (typeof v !== 'string' || v === '') invalid(s.expected ?? 'a non-empty string');
      break;
    case 'enum':
      if (typeof v !== 'string' || !s.values!.includes(v)) invalid(s.values!.map((x) => JSON.stringify(x)).join(' or '));
      break;
    case 'custom':
      return s.parse!(v, invalid);
  }
  if (s.check && !s.check(v as T)) invalid(s.expected ?? 'a valid value');
  return v as T;
}

/**
 * A value typed on a command line (`--resize 256`, `resize=256`), turned into
 * its option's type and checked; a message quotes the text as typed.
 */
export function checkText<T>(name: string, s: OptionSpec<T>, text: string, fail: (message: string) => never): T {
  const t = text.trim();
  const value =
    s.type === 'integer' ? (/^[-+]?\d+$/.test(t) ? Number(t) : NaN)
    : s.type === 'number' ? (t === '' ? NaN : Number(t))
    : s.type === 'boolean' ? (/^(1|true)$/i.test(t) ? true : /^(0|false)$/i.test(t) ? false : t)
    : s.type === 'custom' && s.fromText ? s.fromText(t)
    : t;
  return checkValue(name, s, value, (message) => fail(message.replace(/, received .*$/s, `, received ${JSON.stringify(text)}`)));
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return d[b.length]!;
}

/** `rand_mirror`, `RandMirror` and `randMirror` are the same name. */
const normalise = (name: string): string => name.replace(/_/g, '').toLowerCase();

/** " (did you mean randMirror?)" for a name close to a known one, else "". */
export function suggestName(name: string, known: Iterable<string>): string {
  const n = normalise(name);
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(n, normalise(k));
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(n.length / 4)) ? ` (did you mean ${best}?)` : '';
}

export interface ResolveOptions {
  fail: (message: string) => never;
  /** Names known to the caller but not in the schema (MXNet's unimplemented parameters): said so, not "unknown". */
  notImplemented?: readonly string[];
  /** Who does not implement them, for that message. */
  owner?: string;
  /** Former names, each refused with what replaced it ("remote (...)"), never quietly ignored. */
  renamed?: Readonly<Record<string, string>>;
}

/**
 * The options with defaults applied and every value checked, or the first
 * problem through `fail`: an unknown name (with the closest known one), a
 * missing required option, a value of the wrong type or out of range.
 */
export function resolveSchema<S extends Schema>(schema: S, input: object, o: ResolveOptions): Resolved<S> {
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (Object.hasOwn(schema, key)) continue;
    if (o.renamed && Object.hasOwn(o.renamed, key)) o.fail(`${key}: renamed ${o.renamed[key]}`);
    const missing = o.notImplemented?.find((k) => normalise(k) === normalise(key));
    if (missing) o.fail(`${key}: MXNet's ${missing} is not implemented by ${o.owner ?? 'mxrec'}`);
    o.fail(`${key}: unknown option${suggestName(key, Object.keys(schema))}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) {
    let v = given[key];
    if (v === undefined) {
      if (s.required) o.fail(`${key}: required`);
      v = defaultOf(s);
      if (v === undefined) {
        out[key] = undefined;
        continue;
      }
    }
    out[key] = checkValue(key, s, v, o.fail);
  }
  return out as Resolved<S>;
}

/**
 * A library function's options checked as resolveSchema checks them, each
 * problem a UsageError (or the function's own kind of one) whose message starts with the option's name (so the
 * CLI can name the flag instead: cli/schema-flags.ts namedByFlag).
 */
export function checkOptions<S extends Schema>(
  schema: S,
  input: unknown,
  Refusal: new (message: string) => UsageError = UsageError,
  more: Omit<ResolveOptions, 'fail'> = {},
): Resolved<S> {
  const fail = (message: string): never => {
    throw new Refusal(message);
  };
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null) fail(`options: expected an object, received ${show(input)}`);
  return resolveSchema(schema, input as object, { ...more, fail });
}

/**
 * resolveSchema for values typed as text (`key=value` pairs): each given one
 * checked with checkText, defaults for the rest. Names are checked by the caller.
 */
export function resolveText<S extends Schema>(schema: S, given: ReadonlyMap<string, string>, fail: (message: string) => never): Resolved<S> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(schema)) {
    const text = given.get(key);
    if (text !== undefined) out[key] = checkText(key, s, text, fail);
    else if (s.required) fail(`${key}: required`);
    else out[key] = defaultOf(s);
  }
  return out as Resolved<S>;
}

/** The option's flag: its own, or its name in kebab-case (`--no-x` for a boolean that defaults to true). */
export function flagOf(key: string, s: OptionSpec): string | null {
  if (s.flag === false) return null;
  const base = s.flag ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return s.type === 'boolean' && s.default === true && !base.startsWith('--no-') ? `--no-${base.slice(2)}` : base;
}

/** The default as the docs show it. */
export function defaultText(s: OptionSpec): string {
  if (s.defaultText !== undefined) return s.defaultText;
  if (s.required) return '(required)';
  if (s.default === undefined) return 'none';
  return typeof s.default === 'string' || (typeof s.default === 'object' && s.default !== null) ? JSON.stringify(s.default) : String(s.default);
}

/** A Markdown table of a schema: option, (flag,) MXNet name, type, default, and what it does; `mxnet: false` leaves MXNet's column out. */
export function markdownTable(schema: Schema, options: { flags?: boolean; otherFlags?: Readonly<Record<string, string>>; mxnet?: boolean } = {}): string {
  const typeText = (s: OptionSpec) =>
    s.type === 'integer'
      ? integerExpected(s).replace(/^an /, '')
      : s.type === 'enum'
        ? s.values!.map((v) => `\`${v}\``).join(' \\| ')
        : // A type as code (`Set<string>` is no HTML tag), its bars escaped for the table; words as words.
          s.type === 'custom'
          ? s.expected
            ? /[<|[]/.test(s.expected) || /^[A-Z]\w*$/.test(s.expected)
              ? `\`${s.expected.replace(/\|/g, '\\|')}\``
              : s.expected
            : 'see below'
          : s.type === 'string'
            ? (s.expected ?? 'string')
            : s.type;
  const withMxnet = options.mxnet ?? true;
  const rows = Object.entries(schema).map(([key, s]) => {
    const shown = options.otherFlags?.[key] ?? flagOf(key, s);
    const flag = options.flags ? ` | ${shown ? `\`${shown}\`` : ''}` : '';
    const mxnet = withMxnet ? ` | ${s.mxnet ? `\`${s.mxnet}\`` : '(mxrec)'}` : '';
    return `| \`${key}\`${flag}${mxnet} | ${typeText(s)} | ${defaultText(s).replace(/\|/g, '\\|')} | ${s.doc.replace(/\|/g, '\\|')} |`;
  });
  const columns = ['option', ...(options.flags ? ['flag'] : []), ...(withMxnet ? ['MXNet'] : []), 'type', 'default', 'what it does'];
  return `| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n${rows.join('\n')}\n`;
}

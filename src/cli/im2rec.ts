/**
 * `im2rec`: both MXNet command lines in one tool.
 *
 *   im2rec PREFIX ROOT [--list] [options]      im2rec.py: make lists, or pack PREFIX*.lst
 *   im2rec LIST ROOT OUT.rec [key=value ...]   im2rec.cc: pack one list
 *
 * The form is told by the first three arguments: three plain (non-option)
 * arguments are the C++ tool's, anything else the Python tool's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option, type OptionValues } from 'commander';
import { nativeStatus } from '../codec/codec.js';
import { DEFAULT_EXTS, makeLists } from '../im2rec/make-lists.js';
import type { ImageSettings } from '../im2rec/image-plan.js';
import { PackError, type PackSummary, checkPackOutputs, pack } from '../im2rec/pack.js';
import { leftoverPartial, partialPaths } from '../im2rec/partial-output.js';
import { nameTaken } from '../io/atomic-file.js';
import { FORCE_HELP, HELP_LAYOUT, oneLineErrors } from './args.js';
import { formatBytes } from '../util/units.js';
import { createProgress } from './progress.js';
import { EXIT_STOPPED, LineWriter, type StopSignal, UsageError, exitQuietlyOnClosedStdout, reportError, stoppable } from './run.js';
import { SHELLS, type Shell, completionScript } from './completion.js';
import { addVersionOption } from './version.js';
import { CC_OPTIONS, PY_LIST_OPTIONS, PY_PACK_OPTIONS, type PackOptions, qualityProblem } from '../im2rec/options.js';
import { addSchemaFlags, resolveFlags } from './schema-flags.js';
import { resolveParts } from '../util/scheduler.js';
import { quoted } from '../util/errors.js';
import { checkText, defaultOf, resolveText, suggestName } from '../util/schema.js';
import { isDirectory } from '../io/paths.js';
import { displayLocation } from '../io/display-name.js';
import { isLocal, storeOf } from '../io/locations.js';

/** What both forms add to MXNet's flags. */
interface Extras {
  threads: number;
  strict: boolean;
  resume: boolean;
  force: boolean;
  quiet: boolean;
}

const say = (text: string) => process.stderr.write(`${text}\n`);

/** One line per pack: what was written, what was skipped and why, how fast. */
export function summaryLines(s: PackSummary): string[] {
  const rel = (p: string) => shown(p) || p;
  const reasons = new Map<string, number>();
  for (const skip of s.skippedImages) {
    const kind = skip.reason.split(':')[0]!;
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  const why = reasons.size ? ` (${[...reasons].map(([k, n]) => `${n} ${k}`).join(', ')})` : '';
  const packed = s.done - s.resumedFrom;
  const rate = packed > 0 ? `, ${(packed / Math.max(s.seconds, 1e-6)).toFixed(0)} images/s` : '';
  const lines = [
    `${rel(s.list)} → ${rel(s.output)} + ${rel(s.indexPath)}: ${s.written} ${s.notImages ? `files written (${s.notImages} not images, stored as they are)` : 'images written'}, ${s.skipped} skipped${why}; ` +
      `${formatBytes(s.bytesIn)} read, ${formatBytes(s.bytesOut)} written; ${s.seconds.toFixed(2)} s${rate}`,
  ];
  if (s.resumedFrom) lines.push(`  continued an interrupted run after its first ${s.resumedFrom} list items`);
  if (s.reportPath) lines.push(`  skipped images are listed in ${rel(s.reportPath)}`);
  return lines;
}

/** Said last, even with --quiet, when more than a tenth of the list was skipped: the data or ROOT may be wrong. */
export function manySkippedWarning(s: PackSummary): string | null {
  if (s.skipped * 10 <= s.done) return null;
  const where = s.reportPath ? `; they are listed in ${shown(s.reportPath) || s.reportPath}` : '';
  return `im2rec: warning: ${s.skipped} of ${s.done} images (${Math.round((100 * s.skipped) / s.done)}%) were skipped${where}`;
}

/** A path made absolute; a URL (s3://bucket/prefix) as it is. */
function localOrUrl(location: string): string {
  return isLocal(location) ? path.resolve(location) : location;
}

/** A written file as the summary names it: relative to here, or its URL. */
function shown(location: string): string {
  return isLocal(location) ? path.relative(process.cwd(), location) : displayLocation(location);
}

/**
 * The lists a pack takes: the `.lst` files whose names start with the prefix,
 * in a folder or (s3://bucket/data/train) under the bucket prefix's folder.
 */
async function listsOf(prefix: string): Promise<string[]> {
  if (!isLocal(prefix)) {
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const store = storeOf(folder);
    const start = decodeURIComponent(prefix.slice(folder.length)); // the lists' names start so (a URL's name is escaped)
    const keys: string[] = [];
    for await (const key of store.list(folder, { recursive: false })) if (key.startsWith(start) && key.endsWith('.lst')) keys.push(key);
    // A key is data: escaped into its location, so that a '%', '?' or '#' in it stays its own.
    return keys.sort().map((key) => store.nameUnder(folder, key, 'join'));
  }
  const workingDir = isDirectory(prefix) ? prefix : path.dirname(prefix);
  return fs
    .readdirSync(workingDir)
    .map((name) => path.join(workingDir, name))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.lst') && fs.statSync(f).isFile())
    .sort();
}

/**
 * With --resume (and no --force), a list whose output is complete is work
 * the interrupted run had finished (im2rec.py form: an earlier list of the
 * same prefix): it is passed over, said once, instead of refused as an
 * existing output.
 */
function finishedEarlier(options: PackOptions, extras: Extras): boolean {
  if (!extras.resume || extras.force || !storeOf(options.output).resumable || !nameTaken(options.output) || leftoverPartial(options.output)) return false;
  say(`im2rec: --resume: ${path.relative(process.cwd(), options.output) || options.output} is complete already; passed over (--force packs it again)`);
  return true;
}

/** Packs with progress, Ctrl-C handling and a summary; returns the exit code. */
async function runPack(options: PackOptions, extras: Extras): Promise<number> {
  const progress = createProgress(path.basename(options.output), { quiet: extras.quiet });
  const abort = new AbortController();
  let stoppedBy: StopSignal = 'SIGINT';
  const onSignal = (signal: StopSignal) => {
    if (abort.signal.aborted) process.exit(EXIT_STOPPED[signal]); // a second Ctrl-C: leave now (the partial file stays)
    stoppedBy = signal;
    abort.abort();
    progress.log('im2rec: stopping after the images in progress (Ctrl-C again to stop at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: PackSummary;
  try {
    summary = await pack({
      ...options,
      threads: extras.threads,
      strict: extras.strict,
      resume: extras.resume,
      overwrite: extras.force,
      signal: abort.signal,
      onProgress: (p) => progress.update(p.done, p.total),
      onSkip: (s) => progress.log(`im2rec: skipped ${s.path} (${path.basename(options.list)}:${s.line}): ${s.reason}`),
      onNotice: (text) => progress.log(`im2rec: ${text}`),
    });
  } catch (err) {
    if (err instanceof PackError) {
      const { partial } = partialPaths(options.output);
      const kept = fs.existsSync(partial) ? `; the records before it are kept in ${partial} (fix it and rerun with --resume)` : '';
      throw new PackError(`${err.message}${options.strict ? kept : ''}`);
    }
    throw err;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (summary.interrupted) {
    say(
      summary.partialPath === null
        ? `im2rec: interrupted after ${summary.done} of ${summary.total} images; the uploads to ${displayLocation(summary.output)} were cancelled and nothing was published. Run the same command again to pack it.`
        : `im2rec: interrupted after ${summary.done} of ${summary.total} images; ${summary.written} records kept in ` +
            `${summary.partialPath}. Run the same command with --resume to continue.`,
    );
    return EXIT_STOPPED[stoppedBy];
  }
  if (!extras.quiet) for (const line of summaryLines(summary)) say(line);
  const warning = manySkippedWarning(summary);
  if (warning) say(warning);
  return 0;
}

function sayNativeHintOnce(quiet: boolean): void {
  if (!nativeStatus.available && !quiet) say(`im2rec: note: JPEGs go through sharp, slower: ${nativeStatus.hint}`);
}

// ---------------------------------------------------------------- im2rec.py form

/** MXNet's old `type=bool` flags took a value (`--list True`); accept that, meaning what it says. */
const BOOL_FLAGS = ['--list', '--recursive', '--shuffle', '--pass-through', '--center-crop', '--pack-label'];

export function normaliseBoolFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!BOOL_FLAGS.includes(flag)) {
      out.push(arg);
      continue;
    }
    let value = inline;
    if (value === undefined && /^(true|false|yes|no|1|0)$/i.test(args[i + 1] ?? '')) value = args[++i];
    const on = value === undefined || /^(true|yes|1)$/i.test(value);
    if (value !== undefined && !/^(true|false|yes|no|1|0)$/i.test(value)) {
      throw new UsageError(`${flag}: expected no value or true/false, received ${JSON.stringify(value)}`);
    }
    if (flag === '--shuffle') {
      if (!on) out.push('--no-shuffle');
    } else if (on) {
      out.push(flag);
    }
  }
  return out;
}

function checkQuality(quality: number, encoding: '.jpg' | '.png'): void {
  const problem = qualityProblem({ quality, encoding });
  if (problem) throw new UsageError(problem);
}

/** The im2rec.py form's command (exported for the generated docs); `run` is given the exit code. */
export function pyProgram(run: (code: number) => void): Command {
  return pyCommand().action(async (prefixArg: string, rootArg: string, o: OptionValues) => {
    const prefix = localOrUrl(prefixArg);
    const root = localOrUrl(rootArg);
    const asked = resolveFlags({ parts: PY_PACK_OPTIONS.parts, part: PY_PACK_OPTIONS.part }, o);
    const parts = resolveParts(asked.parts, asked.part, { count: '--parts', index: '--part' });
    if (o.labels !== undefined && !o.recursive) throw new UsageError('--labels: only means something with --list --recursive');
    checkQuality(o.quality, o.encoding);
    run(o.list ? await makeListsFromFlags(prefix, root, o) : await packListsFromFlags(prefix, root, parts, o));
  });
}

/** The im2rec.py form's arguments, flags and help. */
function pyCommand(): Command {
  const program = new Command('im2rec')
    .configureHelp(HELP_LAYOUT)
    .description(
      'Make image lists from a folder tree (--list), or pack every PREFIX*.lst into .rec + .idx.\n' +
        'The im2rec.py command line, with MXNet\'s defaults; the im2rec.cc form is also accepted:\n' +
        '  im2rec LIST ROOT OUT.rec [key=value ...]   (see im2rec --help-cc)',
    )
    .usage('PREFIX ROOT [options]')
    .argument('<prefix>', 'prefix of the .lst files to write (--list) or to pack; a folder packs every .lst in it')
    .argument('<root>', 'folder holding the images (or an s3://bucket/prefix/)')
    .exitOverride()
    .configureOutput(oneLineErrors('im2rec'))
    .helpOption('-h, --help', 'show this help');
  addVersionOption(program);
  // Like --version, answered as soon as it is read: PREFIX and ROOT are not needed.
  program
    .addOption(new Option('--completion <shell>', 'print a completion script for im2rec (source <(im2rec --completion bash))').choices(SHELLS))
    .on('option:completion', (shell: Shell) => {
      process.stdout.write(completionScript(shell, 'im2rec', program));
      throw new CommanderError(0, 'mxrec.completion', '');
    });
  program.option('--help-cc', 'show the im2rec.cc form (LIST ROOT OUT.rec key=value ...)');
  program.optionsGroup?.('Making lists (--list):');
  addSchemaFlags(program, PY_LIST_OPTIONS);
  program.option('--exts <ext...>', 'image file extensions (any case)', DEFAULT_EXTS);
  program.optionsGroup?.('Packing:');
  addSchemaFlags(program, PY_PACK_OPTIONS);
  program
    .option('--force', `${FORCE_HELP}; start over from an interrupted pack`)
    .option('-q, --quiet', 'no progress or summary; errors and skipped images only');
  program.addHelpText(
    'after',
    '\nExamples:\n' +
      '  im2rec data/train images/ --list --recursive --train-ratio 0.9\n' +
      '  im2rec data/train images/ --resize 256 --quality 95\n' +
      '  im2rec s3://bucket/data/train s3://bucket/images/ --parts 4 --part auto   # a bucket, a cluster task\n' +
      '\nPREFIX and ROOT may be s3://bucket/... locations: lists, images and outputs then live in the bucket.\n' +
      '--part auto takes the part from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or AWS_BATCH_JOB_ARRAY_INDEX.\n' +
      '\nExisting lists, label maps, .rec, .idx and .skipped.tsv files are never replaced without --force,\n' +
      'and a second run on the same output is refused while the first is running.\n' +
      '\nExit codes: 0 done (skipped images are reported and counted), 1 bad data (--strict, a malformed list,\n' +
      'nothing packed), 2 bad arguments, unreadable or existing files, 130 interrupted (143 by SIGTERM; rerun with --resume).',
  );
  return program;
}

/** --list: the lists (and label map) made from the folder tree under ROOT, said as they are written; the exit code. */
async function makeListsFromFlags(prefix: string, root: string, o: OptionValues): Promise<number> {
  const out = new LineWriter();
  const result = await stoppable('im2rec', (signal) => makeLists({
    prefix,
    root,
    recursive: !!o.recursive,
    exts: o.exts,
    chunks: o.chunks,
    trainRatio: o.trainRatio,
    testRatio: o.testRatio,
    shuffle: o.shuffle,
    overwrite: !!o.force,
    ...(o.labels !== undefined ? { labelMap: localOrUrl(o.labels) } : {}),
    ...(o.quiet ? {} : { onLabel: (folder: string, label: number) => out.line(`${folder} ${label}`) }),
    signal,
  }));
  await out.flush();
  const { skipped } = result;
  if (skipped.count) {
    const examples = skipped.examples.map((e) => `${quoted(e.name)} ${e.reason}`).join('; ');
    say(`im2rec: skipped ${skipped.count} name${skipped.count > 1 ? 's' : ''} a list line cannot hold as they are: ${examples}${skipped.count > skipped.examples.length ? '; ...' : ''}`);
  }
  if (!o.quiet) {
    for (const l of result.lists) say(`wrote ${shown(l.path)}: ${l.images} images`);
    if (result.labelMapPath) say(`wrote ${shown(result.labelMapPath)}: ${result.folders} folder labels`);
  }
  return 0;
}

/** Packs every PREFIX*.lst (or its part `part`), each list's outputs checked before the first is packed; the exit code. */
async function packListsFromFlags(prefix: string, root: string, parts: { count: number; index: number } | undefined, o: OptionValues): Promise<number> {
  const lists = await listsOf(prefix);
  if (!lists.length) throw new UsageError(`no .lst file starts with ${displayLocation(prefix)} (make one with --list)`);
  sayNativeHintOnce(!!o.quiet);
  const image: Partial<ImageSettings> = {
    form: 'py',
    passThrough: !!o.passThrough,
    resize: o.resize,
    centerCrop: !!o.centerCrop,
    color: o.color,
    encoding: o.encoding,
    quality: o.quality,
  };
  const extras: Extras = { threads: o.numThread, strict: !!o.strict, resume: !!o.resume, force: !!o.force, quiet: !!o.quiet };
  const packs: PackOptions[] = lists.map((list) => {
    const base = list.slice(0, -'.lst'.length);
    const output = parts ? `${base}.part${String(parts.index).padStart(3, '0')}.rec` : `${base}.rec`;
    return { list, root, output, dialect: { kind: 'tab' }, image, packLabel: !!o.packLabel, ...(parts ? { parts } : {}) };
  });
  const todo = packs.filter((p) => !finishedEarlier(p, extras));
  // Every list's outputs before the first is packed: a refusal comes before any work.
  for (const p of todo) await checkPackOutputs({ ...p, resume: extras.resume, overwrite: extras.force });
  for (const p of todo) {
    const code = await runPack(p, extras);
    if (code !== 0) return code;
  }
  return 0;
}


// ---------------------------------------------------------------- im2rec.cc form

/** The `Keys:` block of `im2rec --help-cc`. */
export function ccKeysHelp(): string {
  const width = 100; // as HELP_LAYOUT
  const indent = ' '.repeat(20);
  const lines = Object.entries(CC_OPTIONS).map(([key, s]) => {
    const words = `${s.doc} (default ${s.default})`.split(' ');
    const out = [`  ${key}=${s.metavar}`.padEnd(20)];
    for (const word of words) {
      const last = out.length - 1;
      if (out[last]!.length + word.length + 1 > width && out[last]!.trim() !== `${key}=${s.metavar}`) out.push(indent + word);
      else out[last] += (out[last]!.endsWith(' ') ? '' : ' ') + word;
    }
    return out.join('\n');
  });
  return lines.join('\n');
}

export const CC_HELP = `Usage: im2rec LIST ROOT OUT.rec [key=value ...] [--num-thread N] [--strict] [--resume] [--force] [--quiet]

Packs LIST (index, label_width labels and a path per line, whitespace-separated)
into OUT.rec and OUT.idx, as MXNet's im2rec.cc does (which never wrote the .idx).

Keys (MXNet's defaults):
${ccKeysHelp()}

Unknown keys and "key value" without "=" are errors (MXNet ignored them).
An existing OUT.rec, OUT.idx or skip report is replaced only with --force, which
also starts over from an interrupted pack (--resume continues it).
Exit codes: 0 done, 1 bad data (nothing packed), 2 bad arguments, unreadable or
existing files, 130 interrupted (143 by SIGTERM).
`;

const CC_KEYS = Object.keys(CC_OPTIONS);
const usage = (message: string): never => {
  throw new UsageError(message);
};

async function ccMain(args: string[]): Promise<number> {
  const [list, root, out, ...rest] = args as [string, string, string, ...string[]];
  const kv = new Map<string, string>();
  const extras: Extras = { threads: defaultOf(PY_PACK_OPTIONS.numThread) as number, strict: false, resume: false, force: false, quiet: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--strict') extras.strict = true;
    else if (arg === '--resume') extras.resume = true;
    else if (arg === '--force') extras.force = true;
    else if (arg === '--quiet' || arg === '-q') extras.quiet = true;
    else if (arg === '--num-thread' || arg.startsWith('--num-thread=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[++i];
      extras.threads = checkText('--num-thread', PY_PACK_OPTIONS.numThread, value ?? '', usage);
    } else if (!arg.includes('=')) {
      const key = arg.replace(/^--?/, '').replace(/-/g, '_'); // `resize`, `--resize`, `--label-width` all mean a key
      const hint = CC_KEYS.includes(key) && rest[i + 1] !== undefined ? ` (did you mean ${key}=${rest[i + 1]}?)` : '';
      throw new UsageError(`expected key=value, received ${JSON.stringify(arg)}${hint}`);
    } else {
      const key = arg.slice(0, arg.indexOf('='));
      if (!CC_KEYS.includes(key)) usage(`unknown key ${JSON.stringify(key)}${suggestName(key, CC_KEYS)}; expected one of ${CC_KEYS.join(', ')}`);
      kv.set(key, arg.slice(arg.indexOf('=') + 1));
    }
  }
  const o = resolveText(CC_OPTIONS, kv, usage);
  const { count: nsplit, index: part } = resolveParts(o.nsplit, o.part, { count: 'nsplit', index: 'part' })!;
  const packLabel = o.pack_label === 1;
  if (packLabel && o.label_width <= 1) usage('pack_label=1: expected label_width > 1 as well');
  checkQuality(o.quality, o.encoding);
  const labelWidth = o.label_width;
  const image: Partial<ImageSettings> = {
    form: 'cc',
    passThrough: o.unchanged === 1,
    resize: o.resize,
    centerCrop: o.center_crop === 1,
    color: o.color as -1 | 0 | 1,
    encoding: o.encoding,
    quality: o.quality,
    interMethod: o.inter_method,
  };
  const output = nsplit > 1 ? `${out}.part${String(part).padStart(3, '0')}` : out;
  if (isLocal(output) && !isDirectory(path.dirname(path.resolve(output)))) throw new UsageError(`${output}: its folder does not exist`);
  const options: PackOptions = {
    list,
    root,
    output,
    dialect: { kind: 'whitespace', labelWidth },
    image,
    packLabel,
    ...(nsplit > 1 ? { parts: { count: nsplit, index: part } } : {}),
  };
  if (finishedEarlier(options, extras)) return 0;
  sayNativeHintOnce(extras.quiet);
  return runPack(options, extras);
}

// ---------------------------------------------------------------- entry point

function isCcForm(args: readonly string[]): boolean {
  return args.length >= 3 && args.slice(0, 3).every((a) => !a.startsWith('-'));
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const args = argv.slice(2);
  exitQuietlyOnClosedStdout(); // libuv's pool was sized for --num-thread by bin/launch.cjs
  try {
    if (args.includes('--help-cc') || (isCcForm(args) && (args.includes('--help') || args.includes('-h')))) {
      process.stdout.write(CC_HELP);
      return;
    }
    if (isCcForm(args)) {
      process.exitCode = await ccMain(args);
      return;
    }
    let code = 0;
    await pyProgram((c) => (code = c)).parseAsync(normaliseBoolFlags(args), { from: 'user' });
    process.exitCode = code;
  } catch (err) {
    process.exitCode = reportError('im2rec', err);
  }
}

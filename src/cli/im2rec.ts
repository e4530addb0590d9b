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
import type { SkippedImage } from '../im2rec/options.js';
import { leftoverPartial, partialPaths } from '../im2rec/partial-output.js';
import { nameTaken } from '../io/atomic-file.js';
import { FORCE_HELP, HELP_LAYOUT, oneLineErrors } from './args.js';
import { counted, formatBytes } from '../util/units.js';
import { createProgress } from './progress.js';
import { EXIT_STOPPED, EXIT_USAGE, LineWriter, type StopSignal, UsageError, exitQuietlyOnClosedStdout, reportError, stoppable } from './run.js';
import { SHELLS, type Shell, completionScript } from './completion.js';
import { addVersionOption } from './version.js';
import { CC_FLAGS, CC_OPTIONS, PY_LIST_OPTIONS, PY_PACK_OPTIONS, type PackOptions, qualityProblem } from '../im2rec/options.js';
import { overPixelLimit } from '../im2rec/image-plan.js';
import { SHOWN_SKIPS } from '../io/limits.js';
import { stringifyJson } from '../util/json.js';
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
  /** A JSON summary on stdout instead of the summary lines. */
  json: boolean;
}

const say = (text: string) => process.stderr.write(`${text}\n`);

/** The skipped images by reason (the words before its first colon: "missing file", "too large"), in the order met. */
function skippedByReason(s: PackSummary): Map<string, number> {
  const reasons = new Map<string, number>();
  for (const skip of s.skippedImages) {
    const kind = skip.reason.split(':')[0]!;
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  return reasons;
}

/** One line per pack: what was written, what was skipped and why, how fast. */
export function summaryLines(s: PackSummary): string[] {
  const reasons = skippedByReason(s);
  const why = reasons.size ? ` (${[...reasons].map(([k, n]) => `${n} ${k}`).join(', ')})` : '';
  const packed = s.done - s.resumedFrom;
  const rate = packed > 0 ? `, ${(packed / Math.max(s.seconds, 1e-6)).toFixed(0)} images/s` : '';
  const written = s.notImages
    ? `${counted(s.written, 'file')} written (${counted(s.notImages, 'not an image', 'not images')}, stored as they are)`
    : `${counted(s.written, 'image')} written`;
  const lines = [
    `${shown(s.list)} → ${shown(s.output)} + ${shown(s.indexPath)}: ${written}, ${s.skipped} skipped${why}; ` +
      `${formatBytes(s.bytesIn)} read, ${formatBytes(s.bytesOut)} written; ${s.seconds.toFixed(2)} s${rate}`,
  ];
  if (s.resumedFrom) lines.push(`  continued an interrupted run after its first ${counted(s.resumedFrom, 'list item')}`);
  if (s.identities !== undefined) {
    lines.push(`  insightface layout: ${counted(s.written, 'image')} of ${counted(s.identities, 'identity', 'identities')} (keys 1..${s.written}), then record 0 and the identity records`);
  }
  if (s.reportPath) lines.push(`  skipped images are listed in ${shown(s.reportPath)}`);
  if (s.skippedImages.some((skip) => overPixelLimit(skip.reason))) lines.push('  images over the pixel limit were skipped: --max-pixels N raises it');
  return lines;
}

/**
 * The pack's summary for --json: the list, the outputs written (the skip
 * report only when there is one), images written (with --pass-through:
 * files, `notImages` of them not images), skipped by reason, bytes and seconds.
 */
export function summaryJson(s: PackSummary): Record<string, unknown> {
  return {
    list: shown(s.list),
    outputs: [s.output, s.indexPath, ...(s.reportPath ? [s.reportPath] : [])].map(shown),
    images: s.written,
    notImages: s.notImages,
    skipped: s.skipped,
    skippedByReason: Object.fromEntries(skippedByReason(s)),
    bytesRead: s.bytesIn,
    bytesWritten: s.bytesOut,
    seconds: Math.round(s.seconds * 1000) / 1000,
    resumedFrom: s.resumedFrom,
    ...(s.identities === undefined ? {} : { layout: { kind: 'insightface', identities: s.identities } }),
  };
}

/** The --json summary of a run: one pack's object, or an array of several (as the rec commands' --json). */
function printJson(summaries: readonly PackSummary[]): void {
  const all = summaries.map(summaryJson);
  process.stdout.write(`${stringifyJson(all.length === 1 ? all[0] : all, 2)}\n`);
}

/** Said last, even with --quiet, when more than a tenth of the list was skipped: the data or ROOT may be wrong. */
export function manySkippedWarning(s: PackSummary): string | null {
  if (s.skipped * 10 <= s.done) return null;
  const where = s.reportPath ? `; they are listed in ${shown(s.reportPath)}` : '';
  return `im2rec: warning: ${s.skipped} of ${counted(s.done, 'image')} (${Math.round((100 * s.skipped) / s.done)}%) were skipped${where}`;
}

/** A path or location as the user wrote it (a URL without its credentials): messages and summaries name it so. */
function shown(location: string): string {
  return displayLocation(location);
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
  // The lists are named as the prefix was written (m/train → m/train_val.lst, ./m/ → ./m/a.lst).
  const [folder, start] = isDirectory(prefix)
    ? [/[\\/]$/.test(prefix) ? prefix : `${prefix}${path.sep}`, '']
    : [prefix.slice(0, prefix.lastIndexOf(path.sep) + 1), path.basename(prefix)];
  if (!isDirectory(folder || '.')) return [];
  return fs
    .readdirSync(folder || '.')
    .filter((name) => name.startsWith(start) && name.endsWith('.lst'))
    .map((name) => `${folder}${name}`)
    .filter((f) => fs.statSync(f).isFile())
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
  say(`im2rec: --resume: ${shown(options.output)} is complete already; passed over (--force packs it again)`);
  return true;
}

/** What one pack ended with: its exit code, and its summary when it completed. */
interface PackRun {
  code: number;
  summary?: PackSummary;
}

/**
 * Packs with progress, Ctrl-C handling and a summary (lines, or with --json
 * the summary is returned for the run's JSON). The first SHOWN_SKIPS skipped
 * images are printed a line each (none with --quiet), the rest counted in
 * one line, so that a wrong ROOT does not print a line per image before its
 * diagnosis; all are in the skip report.
 */
async function runPack(options: PackOptions, extras: Extras): Promise<PackRun> {
  const progress = createProgress(path.basename(options.output), { quiet: extras.quiet });
  const abort = new AbortController();
  let stoppedBy: StopSignal = 'SIGINT';
  const onSignal = (signal: StopSignal) => {
    if (abort.signal.aborted) process.exit(EXIT_STOPPED[signal]); // a second Ctrl-C: leave now (the partial file stays)
    stoppedBy = signal;
    abort.abort();
    progress.log('im2rec: stopping after the images in progress (Ctrl-C again to stop at once)');
  };
  let shownSkips = 0;
  let hiddenSkips = 0;
  const onSkip = (s: SkippedImage) => {
    if (extras.quiet) return;
    if (shownSkips === SHOWN_SKIPS) {
      hiddenSkips += 1;
      return;
    }
    shownSkips += 1;
    progress.log(`im2rec: skipped ${s.path} (${path.basename(options.list)}:${s.line}): ${s.reason}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let summary: PackSummary | undefined;
  let failure: unknown;
  try {
    summary = await pack({
      ...options,
      threads: extras.threads,
      strict: extras.strict,
      resume: extras.resume,
      overwrite: extras.force,
      signal: abort.signal,
      onProgress: (p) => progress.update(p.done, p.total),
      onSkip,
      onNotice: (text) => progress.log(`im2rec: ${text}`),
    });
  } catch (err) {
    failure = err;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (hiddenSkips > 0) {
    const where = summary?.reportPath ? `; all ${summary.skipped} are listed in ${shown(summary.reportPath)}` : '';
    say(`im2rec: ${hiddenSkips} more skipped ${hiddenSkips === 1 ? 'image' : 'images'} not shown${where}`);
  }
  if (summary === undefined) {
    if (failure instanceof PackError) {
      const { partial } = partialPaths(options.output);
      const kept = fs.existsSync(partial) ? `; the records before it are kept in ${shown(partial)} (fix it and rerun with --resume)` : '';
      throw new PackError(`${failure.message}${options.strict ? kept : ''}`);
    }
    throw failure;
  }
  if (summary.interrupted) {
    say(
      summary.partialPath === null
        ? `im2rec: interrupted after ${summary.done} of ${counted(summary.total, 'image')}; the uploads to ${shown(summary.output)} were cancelled and nothing was published. Run the same command again to pack it.`
        : `im2rec: interrupted after ${summary.done} of ${counted(summary.total, 'image')}; ${counted(summary.written, 'record')} kept in ` +
            `${shown(summary.partialPath)}. Run the same command with --resume to continue.`,
    );
    return { code: EXIT_STOPPED[stoppedBy] };
  }
  if (!extras.quiet && !extras.json) for (const line of summaryLines(summary)) say(line);
  const warning = manySkippedWarning(summary);
  if (warning) say(warning);
  return { code: 0, summary };
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
  return pyCommand().action(async (prefix: string, root: string, o: OptionValues) => {
    // PREFIX and ROOT are kept as written: messages and summaries name them so.
    checkNotSwapped(prefix, root, !!o.list);
    const asked = resolveFlags({ parts: PY_PACK_OPTIONS.parts, part: PY_PACK_OPTIONS.part }, o);
    const parts = resolveParts(asked.parts, asked.part, { count: '--parts', index: '--part' });
    if (o.labels !== undefined && !o.recursive) throw new UsageError('--labels: only means something with --list --recursive');
    checkQuality(o.quality, o.encoding);
    run(o.list ? await makeListsFromFlags(prefix, root, o) : await packListsFromFlags(prefix, root, parts, o));
  });
}

/**
 * `im2rec images/ data/pets --list`: a folder of images given as PREFIX and a
 * ROOT that does not exist are the two arguments the other way round.
 */
function checkNotSwapped(prefix: string, root: string, list: boolean): void {
  if (!isLocal(root) || !isLocal(prefix) || fs.existsSync(root) || !isDirectory(prefix)) return;
  if (!list && fs.readdirSync(prefix).some((name) => name.endsWith('.lst'))) return; // a folder of lists: pack's ROOT check says the rest
  throw new UsageError(`ROOT ${root}: no such folder; PREFIX ${prefix} is a folder: swapped? im2rec ${root} ${prefix}${list ? ' --list' : ''} (PREFIX first, then the folder of images)`);
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
    .option('-q, --quiet', `no progress, summary or skipped images (the first ${SHOWN_SKIPS} are printed otherwise); errors and warnings only`);
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
    ...(o.labels !== undefined ? { labelMap: o.labels } : {}),
    ...(o.quiet || o.json ? {} : { onLabel: (folder: string, label: number) => out.line(`${folder} ${label}`) }),
    signal,
  }));
  await out.flush();
  const { skipped } = result;
  if (skipped.count) {
    const examples = skipped.examples.map((e) => `${quoted(e.name)} ${e.reason}`).join('; ');
    say(`im2rec: skipped ${skipped.count} name${skipped.count > 1 ? 's' : ''} a list line cannot hold as they are: ${examples}${skipped.count > skipped.examples.length ? '; ...' : ''}`);
  }
  if (o.json) {
    const lists = result.lists.map((l) => ({ path: shown(l.path), images: l.images }));
    process.stdout.write(`${stringifyJson({ lists, labelMap: result.labelMapPath ? shown(result.labelMapPath) : null, folders: result.folders }, 2)}\n`);
  } else if (!o.quiet) {
    for (const l of result.lists) say(`wrote ${shown(l.path)}: ${counted(l.images, 'image')}`);
    if (result.labelMapPath) say(`wrote ${shown(result.labelMapPath)}: ${counted(result.folders, 'folder label')}`);
  }
  return 0;
}

/** Packs every PREFIX*.lst (or its part `part`), each list's outputs checked before the first is packed; the exit code. */
async function packListsFromFlags(prefix: string, root: string, parts: { count: number; index: number } | undefined, o: OptionValues): Promise<number> {
  const lists = await listsOf(prefix);
  if (!lists.length) throw new UsageError(`no .lst file starts with ${shown(prefix)} (make one with --list)`);
  sayNativeHintOnce(!!o.quiet);
  const image: Partial<ImageSettings> = {
    form: 'py',
    passThrough: !!o.passThrough,
    resize: o.resize,
    centerCrop: !!o.centerCrop,
    color: o.color,
    encoding: o.encoding,
    quality: o.quality,
    maxPixels: o.maxPixels,
  };
  const extras: Extras = { threads: o.numThread, strict: !!o.strict, resume: !!o.resume, force: !!o.force, quiet: !!o.quiet, json: !!o.json };
  const packs: PackOptions[] = lists.map((list) => {
    const base = list.slice(0, -'.lst'.length);
    const output = parts ? `${base}.part${String(parts.index).padStart(3, '0')}.rec` : `${base}.rec`;
    return { list, root, output, dialect: { kind: 'tab' }, image, packLabel: !!o.packLabel, layout: o.layout, ...(parts ? { parts } : {}) };
  });
  const todo = packs.filter((p) => !finishedEarlier(p, extras));
  // Every list's outputs before the first is packed: a refusal comes before any work.
  for (const p of todo) await checkPackOutputs({ ...p, resume: extras.resume, overwrite: extras.force });
  const summaries: PackSummary[] = [];
  for (const p of todo) {
    const { code, summary } = await runPack(p, extras);
    if (code !== 0) return code;
    summaries.push(summary!);
  }
  if (extras.json) printJson(summaries);
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

/** The im2rec.cc form's flags (besides its keys), as its usage and an unknown flag's message list them. */
const CC_FLAG_USAGE = '--num-thread N, --max-pixels N, --strict, --resume, --force, --quiet, --json';

export const CC_HELP = `Usage: im2rec LIST ROOT OUT.rec [key=value ...] [--num-thread N] [--max-pixels N] [--strict] [--resume] [--force] [--quiet] [--json]

Packs LIST (index, label_width labels and a path per line, whitespace-separated)
into OUT.rec and OUT.idx, as MXNet's im2rec.cc does (which never wrote the .idx).

Keys (MXNet's defaults):
${ccKeysHelp()}

Flags (mxrec's, as in the im2rec.py form):
  --num-thread N      ${PY_PACK_OPTIONS.numThread.doc}
  --max-pixels N      skip images of more pixels (width x height) than N (default 16383², at most 65535²)
  --strict            stop at the first bad image instead of skipping it
  --resume            continue an interrupted pack after its last complete record
  --force             replace existing outputs; start over from an interrupted pack
  -q, --quiet         no progress, summary or skipped images; errors and warnings only
  --json              print a JSON summary on stdout instead of the summary lines

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
  const extras: Extras = { threads: defaultOf(PY_PACK_OPTIONS.numThread) as number, strict: false, resume: false, force: false, quiet: false, json: false };
  let maxPixels = defaultOf(CC_FLAGS.maxPixels) as number;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const valueOf = () => (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[++i]) ?? '';
    if (arg === '--strict') extras.strict = true;
    else if (arg === '--resume') extras.resume = true;
    else if (arg === '--force') extras.force = true;
    else if (arg === '--quiet' || arg === '-q') extras.quiet = true;
    else if (arg === '--json') extras.json = true;
    else if (arg === '--num-thread' || arg.startsWith('--num-thread=')) extras.threads = checkText('--num-thread', PY_PACK_OPTIONS.numThread, valueOf(), usage);
    else if (arg === '--max-pixels' || arg.startsWith('--max-pixels=')) maxPixels = checkText('--max-pixels', CC_FLAGS.maxPixels, valueOf(), usage);
    else if (arg.startsWith('-') || !arg.includes('=')) {
      const key = arg.replace(/^--?/, '').replace(/=.*/, '').replace(/-/g, '_'); // `resize`, `--resize`, `--label-width` all mean a key
      if (arg.startsWith('-') && !CC_KEYS.includes(key)) {
        // A flag of the im2rec.py form (--json before it was one here, --resize-ish typos), not taken for a key.
        throw new UsageError(`unknown flag ${JSON.stringify(arg)}; the im2rec.cc form takes key=value keys and the flags ${CC_FLAG_USAGE} (see im2rec --help-cc)`);
      }
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[i + 1];
      const hint = CC_KEYS.includes(key) && value !== undefined ? ` (did you mean ${key}=${value}?)` : '';
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
    maxPixels,
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
  const { code, summary } = await runPack(options, extras);
  if (code === 0 && extras.json) printJson([summary!]);
  return code;
}

// ---------------------------------------------------------------- entry point

function isCcForm(args: readonly string[]): boolean {
  return args.length >= 3 && args.slice(0, 3).every((a) => !a.startsWith('-'));
}

/** What `im2rec` alone prints (on stderr, exit 2): both forms' usage and where their options are. */
export const SHORT_USAGE = `Usage: im2rec PREFIX ROOT [options]                  make lists (--list), or pack every PREFIX*.lst (im2rec.py)
       im2rec LIST ROOT OUT.rec [key=value ...]       pack one list (im2rec.cc)
Options: im2rec --help (im2rec.py form), im2rec --help-cc (im2rec.cc form)
`;

export async function main(argv: string[] = process.argv): Promise<void> {
  const args = argv.slice(2);
  exitQuietlyOnClosedStdout(); // libuv's pool was sized for --num-thread by bin/launch.cjs
  if (args.length === 0) {
    process.stderr.write(SHORT_USAGE);
    process.exitCode = EXIT_USAGE;
    return;
  }
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

/**
 * im2rec's pack mode: one image list → `.rec` + `.idx`, records in list order.
 *
 * Stages, each bounded so memory stays flat however long the list is:
 *   plan   the list (or its part), the settings, and where a resumed run
 *          starts (partial-output.ts: OUT.rec.partial and its journal)
 *   encode find, read and encode batches of images (encode-stage.ts),
 *          several batches in flight, their bytes within budgets
 *   write  batches in list order as they complete, each noted in the journal
 *          first; a new batch starts only when one is written (the backpressure)
 * The output is the same bytes whatever the thread count: each image's
 * bytes depend only on the image and the settings.
 *
 * Before any work the outputs are claimed (output-claim.ts): OUT.rec is
 * locked for the run, and OUT.rec, OUT.idx and the skip report are refused if
 * they exist (unless `overwrite`) or name the list. Records go to
 * OUT.rec.partial, published as OUT.rec with OUT.idx at the end; an
 * interrupted run leaves the partial file and its journal so that `resume`
 * can continue it (partial-output.ts). A pack that writes no record fails
 * (NothingWrittenError, with what went wrong) and publishes nothing.
 *
 * In a bucket: the list, ROOT and OUT may be s3:// locations. An s3:// OUT is
 * streamed into multipart uploads as records are written (io/remote/s3-upload.ts)
 * and completed at the end; an interrupted or failed pack cancels them, so
 * nothing appears and there is nothing to resume: it is run again. Images
 * under an s3:// ROOT are read with a GET each (encode-stage.ts).
 */
import { indexPathFor } from '../format/index-file.js';
import { type OutputClaim, claimOutputs } from '../io/output-claim.js';
import { removeOutput, writeWholeFiles } from '../io/output-file.js';
import { folderIsMissing, storeOf } from '../io/locations.js';
import { NothingWrittenError } from '../io/output-errors.js';
import path from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../io/limits.js';
import { type ListItem, ListFileError, NUMBER, notUnderRoot } from '../format/list-file.js';
import { ListPart } from './list-split.js';
import { MISSING, type Outcome, type ResolvedOptions, encodeStage } from './encode-stage.js';
import type { ImageSettings } from './image-plan.js';
import { FaceKeys } from './face-pack.js';
import { type PackOptions, PackOptionError, type PackProgress, type PackSettings, type SkippedImage, checkPackOptions } from './options.js';
import { type PackOutput, PartialFileOutput, ResumeError, type ResumePoint, UploadOutput, assertPartialHandled, leftoverPartial } from './partial-output.js';
import { MxrecError, quoted } from '../util/errors.js';

/**
 * Batches read and encoded ahead of the writer, per encoding thread. Images
 * in a bucket wait on the store as much as on the encoder: twice as many
 * batches in flight keep the encoder fed through the store's latency (a pack
 * from and to s3rver on loopback timed with 2, 4 and 8 per thread: see
 * docs/guides/performance.md, "Buckets"). The encode stage's budgets bound
 * their bytes either way.
 */
const BATCHES_AHEAD = { local: 2, remote: 4 };

export interface PackSummary extends PackProgress {
  list: string;
  output: string;
  indexPath: string;
  /** Where the skipped images were listed (only when there were any). */
  reportPath?: string;
  skippedImages: SkippedImage[];
  seconds: number;
  /** Items already done by the interrupted run this one continued. */
  resumedFrom: number;
  /** Stopped by the signal: the output stays in `partialPath`. */
  interrupted: boolean;
  /** Where an interrupted pack's records stay for `resume`; null for an s3:// output (nothing is kept). */
  partialPath: string | null;
  /** With layout insightface: the identities packed (after the images, their records and record 0). */
  identities?: number;
}

/** A bad image under `strict`. */
export class PackError extends MxrecError {
  override readonly name = 'PackError';
  readonly kind = 'data';
}

/** The report of skipped images that goes with an output. */
export function reportPathFor(output: string): string {
  return `${output.replace(/\.rec$/i, '')}.skipped.tsv`;
}

/** The files a pack of `output` publishes: OUT.rec, OUT.idx and the skip report. */
function packOutputs(output: string): [rec: string, idx: string, report: string] {
  return [output, indexPathFor(output), reportPathFor(output)];
}

type PackOutputsOptions = Pick<PackOptions, 'list' | 'root' | 'output' | 'resume' | 'overwrite'>;

/** Locks OUT.rec and checks the outputs and any partial output (see the file comment). */
async function claimPackOutputs(options: PackOutputsOptions): Promise<OutputClaim> {
  const [output, indexPath, reportPath] = packOutputs(options.output);
  const unresumable = [output, options.root].find((location) => !storeOf(location).resumable);
  if (options.resume && unresumable !== undefined) {
    throw new ResumeError(`${storeOf(unresumable).display(unresumable)}: --resume expected a local output and ROOT; a pack to or from a bucket is not resumable: run it again without --resume`);
  }
  const claim = await claimOutputs([output], [indexPath, reportPath], { inputs: [options.list], overwrite: options.overwrite });
  try {
    if (storeOf(output).resumable) assertPartialHandled(output, options.resume ?? false, options.overwrite ?? false);
  } catch (err) {
    claim.release();
    throw err;
  }
  return claim;
}

/**
 * What pack() refuses before any work, for a caller that packs several lists
 * and checks them all before the first (the lock is taken and given back, so
 * a run in progress is named as such).
 */
export async function checkPackOutputs(options: PackOutputsOptions): Promise<void> {
  (await claimPackOutputs(options)).release();
}

/**
 * Where the list's paths point. Under a local ROOT an absolute path stands
 * alone (MXNet's behaviour); under a bucket or URL ROOT every path is a name
 * under it (the list was checked as it was read). im2rec.cc
 * glues root and path together as strings (root "imgs" + "a.jpg" =
 * "imgsa.jpg", a classic trap); here a root that is a folder is always
 * joined, and the plain concatenation is kept only for a root that is not
 * one (a name prefix). Decided once per pack, not per image.
 */
export function imagePathResolver(root: string, form: 'py' | 'cc'): (rel: string) => string {
  const store = storeOf(root);
  const how = form === 'cc' && !store.isFolder(root) ? 'concat' : 'join';
  return (rel) => store.nameUnder(root, rel, how);
}


/** A location as notes name it: a path made absolute, a URL in its display form (a resumed run may start elsewhere). */
function absoluteName(location: string): string {
  return storeOf(location).absolute(location);
}

/** A location as messages name it: as it was given, a URL in its display form. */
function shownName(location: string): string {
  return storeOf(location).display(location);
}

/** The list's first item (of its part), or null for an empty one. */
function firstItem(list: ListPart): ListItem | null {
  return list[Symbol.iterator]().next().value ?? null;
}

/**
 * What is wrong with the whole list, said from its first item before any
 * work instead of once per image (a line per image of a 20,000-line list
 * before the diagnosis): a local ROOT that is not there, or an im2rec.cc
 * list whose lines hold more labels than label_width.
 *
 * ROOT is missing when the first image is not there and neither ROOT nor
 * the image's folder is (folderIsMissing): im2rec.cc's ROOT may be a name
 * prefix ("imgs" + "a.jpg"), which need not exist itself; a list of absolute
 * paths needs no ROOT (MXNet's rule). A ROOT across a network (a bucket's
 * prefix is no folder of its own) is not checked: the pack's end says it.
 */
async function checkListAgainstRoot(options: PackSettings, list: ListPart, pathOf: (rel: string) => string): Promise<void> {
  const first = firstItem(list);
  if (first === null) return;
  const store = storeOf(options.root);
  const image = pathOf(first.path);
  const { dialect } = options;
  // Not asked of a store across a network: a request of its own per pack, before the images' (and a bucket's prefix is no folder).
  if (store.remote) return;
  // Asked only when the first image is not there: then its folder (ROOT, or a folder under it) missing means ROOT is.
  const missing = image !== first.path && !(await store.exists(image));
  if (missing && (await folderIsMissing(options.root)) && (await folderIsMissing(path.dirname(image)))) {
    throw new PackOptionError(`ROOT ${shownName(options.root)}: no such folder; expected the folder the list's paths are relative to (${list.file}:${first.line}: ${quoted(first.path)})`);
  }
  if (dialect.kind === 'whitespace') {
    const numbers = first.path.split(/\s+/).findIndex((word) => !NUMBER.test(word));
    if (numbers > 0 && (image === first.path ? !(await store.exists(image)) : missing)) {
      const width = dialect.labelWidth + numbers;
      throw new ListFileError(
        list.file,
        first.line,
        `expected label_width=${dialect.labelWidth} label${dialect.labelWidth > 1 ? 's' : ''} then a path, received the path ${quoted(first.path)}, which starts with numbers and is no file: the lines hold ${width} labels: pass label_width=${width}`,
      );
    }
  }
}

/** The settings a partial output was made with; resuming needs the same, and the same list bytes. */
function settingsNote(options: PackSettings, list: ListPart, image: ImageSettings, packLabel: boolean): string {
  // maxPixels and layout are noted only when they are not the default, so that a partial made before they were options still resumes.
  const { maxPixels, ...rest } = image;
  return JSON.stringify({
    ...(options.layout === 'plain' ? {} : { layout: options.layout }),
    list: absoluteName(options.list),
    listSha256: list.sha256(),
    root: absoluteName(options.root),
    dialect: options.dialect,
    image: maxPixels === DEFAULT_MAX_PIXELS ? rest : image,
    packLabel,
    parts: options.parts ?? null,
  });
}

/**
 * Why a pack wrote nothing, in one line: an empty list (or part); every
 * image missing (is ROOT right? in an im2rec.cc list, paths that start with
 * numbers are labels taken for part of the path: label_width); or the
 * reasons the images were skipped.
 */
function nothingPackedReason(options: PackSettings, skipped: readonly SkippedImage[], pathOf: (rel: string) => string): string {
  const part = options.parts ? ` (part ${options.parts.index} of ${options.parts.count})` : '';
  const list = `${shownName(options.list)}${part}`;
  if (skipped.length === 0) return `${list}: holds no images; nothing to pack`;
  const first = skipped[0]!;
  if (skipped.every((s) => s.reason === MISSING)) {
    const all = `all ${skipped.length} images are missing (the first: ${pathOf(first.path)}, line ${first.line})`;
    const { dialect } = options;
    if (dialect.kind === 'whitespace') {
      const numbers = first.path.split(/\s+/).findIndex((word) => !NUMBER.test(word));
      if (numbers > 0) {
        return `${list}: no image was packed: ${all}; the paths start with numbers, so the lines hold more labels: pass label_width=${dialect.labelWidth + numbers}`;
      }
    }
    return `${list}: no image was packed: ${all}; is ROOT ${shownName(options.root)} right?`;
  }
  const reasons = new Map<string, number>();
  for (const s of skipped) {
    const kind = s.reason.split(':')[0]!;
    reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
  }
  const counts = [...reasons].map(([kind, n]) => `${n} ${kind}`).join(', ');
  return `${list}: no image was packed: all ${skipped.length} skipped (${counts}); the first, line ${first.line}: ${pathOf(first.path)}: ${first.reason}`;
}

/** Packs one list; see the file comment. */
export async function pack(input: PackOptions): Promise<PackSummary> {
  const options = checkPackOptions(input);
  const claim = await claimPackOutputs(options);
  try {
    const [, indexPath, reportPath] = packOutputs(options.output);
    return await packClaimed(options, indexPath, reportPath);
  } finally {
    claim.release();
  }
}

/**
 * OUT.rec.partial and where the pack starts: after the records an interrupted
 * run kept (`resume`, when there is one), else from the list's start.
 */
async function openPartial(
  options: PackSettings,
  indexPath: string,
  note: string,
  items: () => Iterator<ListItem>,
  pathOf: (rel: string) => string,
): Promise<{ output: PackOutput; start: ResumePoint }> {
  const { output } = options;
  const writerOptions = { fsync: options.fsync, overwrite: options.overwrite };
  const fromStart = { size: 0, entries: [], done: 0, skipped: [], rest: items() };
  if (!storeOf(output).resumable) return { output: await UploadOutput.create(output, indexPath, writerOptions), start: fromStart };
  if (options.resume && leftoverPartial(output)) return PartialFileOutput.resume(output, indexPath, note, items(), pathOf, writerOptions);
  if (options.resume) options.onNotice?.(`--resume: no interrupted run to continue for ${output}; packing from the start`);
  const onReplace = (found: string) => options.onNotice?.(`replacing ${found}, left by an interrupted run (--force)`);
  return { output: PartialFileOutput.create(output, indexPath, note, { ...writerOptions, onReplace }), start: fromStart };
}

/**
 * One pack as it runs: what it has written and skipped (with those of the
 * run it resumes), and the writing of each batch in list order.
 */
class PackRun {
  readonly started = performance.now();
  readonly skippedImages: SkippedImage[];
  readonly progress: PackProgress;

  constructor(
    private readonly options: PackSettings,
    private readonly out: PackOutput,
    private readonly pathOf: (rel: string) => string,
    start: ResumePoint,
    total: number,
    /** insightface's layout: the keys of the images, by identity (face-pack.ts); null for a plain pack, keyed by list index. */
    private readonly faces: FaceKeys | null,
  ) {
    this.skippedImages = start.skipped.map((item) => ({ index: item.index, path: item.path, line: item.line, reason: 'skipped by the interrupted run this one resumed' }));
    this.progress = { done: start.done, total, written: start.entries.length, notImages: 0, skipped: this.skippedImages.length, bytesIn: 0, bytesOut: start.size };
  }

  /** Notes the batch's sources in the journal, then writes its records in list order (or stops at a bad image under strict). */
  writeBatch(outcomes: readonly Outcome[]): void {
    const { progress, out } = this;
    out.noteSources(outcomes.flatMap((r) => ('stamp' in r ? [{ index: r.item.index, stamp: r.stamp }] : [])));
    for (const r of outcomes) {
      const { item } = r;
      progress.bytesIn += r.bytesIn;
      if ('record' in r) {
        out.writer.write(r.image ? [r.record, r.image] : r.record, this.faces ? this.faces.keyFor(r.record, item) : item.index);
        progress.written += 1;
        if (r.notImage) progress.notImages += 1;
      } else {
        this.skip({ index: item.index, path: item.path, line: item.line, reason: r.reason });
      }
      progress.done += 1;
    }
  }

  private skip(skipped: SkippedImage): void {
    if (this.options.strict) throw new PackError(`${this.options.list}:${skipped.line}: ${this.pathOf(skipped.path)}: ${skipped.reason}`);
    this.skippedImages.push(skipped);
    this.progress.skipped += 1;
    this.options.onSkip?.(skipped);
  }

  /**
   * Writes the batches as they complete, until the last or the signal; true
   * when the signal stopped it. The stop is checked before waiting for the
   * next batch, so a batch that completes while the signal comes is still
   * written: Ctrl-C keeps all the work that was done.
   */
  async writeAll(batches: ReturnType<typeof encodeStage>): Promise<boolean> {
    try {
      for (;;) {
        if (this.options.signal?.aborted) return true;
        const next = await batches.next();
        if (next.done) return false;
        const { outcomes, release } = next.value;
        try {
          this.writeBatch(outcomes);
          await this.out.writer.ready(); // an upload behind holds the next batch back
        } finally {
          release();
        }
        this.progress.bytesOut = this.out.writer.position;
        this.options.onProgress?.({ ...this.progress });
      }
    } catch (err) {
      // Keep what is complete for --resume (a strict stop, a full disk, a bug alike).
      try {
        await this.out.suspend();
      } catch {
        // the original error matters more
      }
      throw err;
    } finally {
      await batches.return(); // batches read but not written give their share of the budgets back
    }
  }
}

async function packClaimed(options: PackSettings, indexPath: string, reportPath: string): Promise<PackSummary> {
  const { image } = options;
  const { packLabel, overwrite } = options;
  const resolved: ResolvedOptions = { pathOf: imagePathResolver(options.root, image.form), image, packLabel };
  // A list read under a bucket or URL ROOT holds names under it, never addresses of their own.
  const rootStore = storeOf(options.root);
  const list = await ListPart.read(options.list, options.dialect, options.parts, (item, file) => {
    const problem = rootStore.nameProblem(item.path);
    if (problem) throw notUnderRoot(item, file, problem);
  });
  await checkListAgainstRoot(options, list, resolved.pathOf);
  const note = settingsNote(options, list, image, packLabel);
  const faces = options.layout === 'insightface';
  if (faces) FaceKeys.checkListSize(list.total, list.file);
  const items = () => (faces ? list.byIdentity() : list[Symbol.iterator]());
  const { output: out, start } = await openPartial(options, indexPath, note, items, resolved.pathOf);
  const faceKeys = faces ? FaceKeys.resumed(out, start, list.file) : null;
  const run = new PackRun(options, out, resolved.pathOf, start, list.total, faceKeys);
  // Batches read and encoded ahead of the writer, written in list order; the ones not written (an
  // interruption, an error) give their share of the budgets back.
  const ahead = BATCHES_AHEAD[rootStore.remote ? 'remote' : 'local'];
  const interrupted = await run.writeAll(encodeStage(start.rest, resolved, options.threads * ahead));

  const { progress, skippedImages } = run;
  const summary: PackSummary = {
    ...progress,
    list: options.list,
    output: options.output,
    indexPath,
    skippedImages,
    seconds: (performance.now() - run.started) / 1000,
    resumedFrom: start.done,
    interrupted,
    partialPath: out.partialPath,
    ...(faceKeys ? { identities: faceKeys.identities } : {}),
  };
  if (interrupted) {
    await out.suspend();
    return summary;
  }
  if (progress.written === 0) {
    await out.discard();
    throw new NothingWrittenError(nothingPackedReason(options, skippedImages, resolved.pathOf));
  }
  if (faceKeys) await faceKeys.finish(out.writer);
  await out.complete();
  if (skippedImages.length) {
    const lines = skippedImages.map((s) => `${s.line}\t${s.index}\t${s.path}\t${s.reason.replace(/\s+/g, ' ')}\n`);
    await writeWholeFiles([{ location: reportPath, data: `line\tindex\tpath\treason\n${lines.join('')}` }], { fsync: false, overwrite });
    summary.reportPath = reportPath;
  } else if (overwrite) {
    await removeOutput(reportPath); // a report left by an earlier run would describe other output
  }
  return summary;
}

/**
 * `rec audit`: duplicates and near-duplicates within and across `.rec` files
 * (train / val / test overlap), images per class or identity, and what to
 * drop. One pass reads every record (hashing.ts: content and perceptual
 * hashes, the table of table.ts), then the links are found without comparing
 * every pair (grouping.ts, likeness.ts), and only the images in groups are
 * read again, to name them (report.ts) and draw them (html.ts).
 */
import path from 'node:path';
import { type ImageRecord, float32ToNumber, tryUnpackImageRecord } from '../../format/image-record.js';
import { readLayoutHeader } from '../../format/face-layout.js';
import { RecordIndex } from '../../format/index-file.js';
import { RecordReader } from '../../format/reader.js';
import { codecThreads } from '../../codec/threads.js';
import { displayBaseName, displayLocation } from '../../io/display-name.js';
import { siblingIndex } from '../../io/locations.js';
import { claimOutputs } from '../../io/output-claim.js';
import { writeWholeFiles } from '../../io/output-file.js';
import { UsageError } from '../../util/errors.js';
import { type OptionsOf, type Resolved, abortSignal, boolean, callback, checkOptions, custom, integer } from '../../util/schema.js';
import { InputProgress } from '../rewrite.js';
import { ClassCounter, summarize } from './counts.js';
import { MAX_DISTANCE, UnionFind, linkExact, nearPairs } from './grouping.js';
import { PerceptualHasher, contentHex, hashContent } from './hashing.js';
import { htmlReport } from './html.js';
import { alike } from './likeness.js';
import { type AuditFile, type AuditGroup, type AuditMember, type AuditResult, exclusionKeys, overlapOf } from './report.js';
import { ImageTable } from './table.js';

const folder = (doc: string, flag: string, flagDoc: string) =>
  custom({
    doc,
    flag,
    metavar: '<dir>',
    flagDoc,
    parse: (v: unknown, invalid: (expected: string) => never): string | null => (v === null || (typeof v === 'string' && v !== '') ? v : invalid('a folder path or null')),
    expected: 'string | null',
  });

/** auditRecordFiles' options. */
export const AUDIT_OPTIONS = {
  distance: integer({
    doc: `near-duplicates: perceptual hashes at most this many bits apart (of 64), 0..${MAX_DISTANCE}; a re-encode or resize moves 0-8 bits (most 0-2); from 8 up the search compares about 8x more pairs than up to 7`,
    default: 8,
    min: 0,
    max: MAX_DISTANCE,
    metavar: '<bits>',
  }),
  near: boolean({ doc: 'look for near-duplicates (decodes every image); false: exact duplicates only, no decoding', default: true, flag: '--no-near', flagDoc: 'exact duplicates only: no image is decoded' }),
  threads: codecThreads({ doc: 'decode calls at once (on libuv\'s pool)', mxnet: '', flag: '--threads' }),
  html: folder('write the report page (index.html and a contact sheet per group, group-0001.png ...) into this folder', '--html', 'write the report page and a contact sheet per group into this folder'),
  exclude: folder(
    'write one exclusion list per input into this folder, NAME.exclude.txt (NAME: the input\'s file name without .rec): the keys of every member of each group but the first, one per line, for rec subset --exclude',
    '--exclude',
    'write NAME.exclude.txt per input here: the keys to drop (every member of a group but the first), for rec subset --exclude',
  ),
  overwrite: boolean({ doc: 'replace a page, sheet or list that exists; else OutputExistsError', flag: '--force', flagDoc: 'replace outputs that exist (inputs are never replaced)', default: false }),
  onProgress: callback<(done: number, total: number) => void>('told now and then the bytes read so far, of all the inputs'),
  signal: abortSignal('abort to stop: checked at every record and batch; nothing is written and the promise rejects with the signal\'s reason'),
};
export type AuditOptions = OptionsOf<typeof AUDIT_OPTIONS>;
type AuditSettings = Resolved<typeof AUDIT_OPTIONS>;

/** Images that do not decode named in the result (all are counted). */
const UNDECODABLE_SHOWN = 10;
/** Near pairs checked on their pixels at a time: their images (up to twice as many) are read again and decoded small. */
const PAIRS_PER_CHECK = 16384;
/** The exclusion list of each input under `folder`. */
export function exclusionListPaths(inputs: readonly string[], dir: string): string[] {
  return inputs.map((input) => path.posix.join(dir, `${displayBaseName(input).replace(/\.rec$/i, '')}.exclude.txt`));
}

export async function auditRecordFiles(inputs: readonly string[], given: AuditOptions = {}): Promise<AuditResult> {
  const options = checkOptions(AUDIT_OPTIONS, given);
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((i) => typeof i === 'string' && i !== '')) {
    throw new UsageError(`inputs: expected one or more .rec paths or URLs, received ${JSON.stringify(inputs)}`);
  }
  const excludes = options.exclude ? exclusionListPaths(inputs, options.exclude) : [];
  const page = options.html ? path.posix.join(options.html, 'index.html') : null;
  const claim = await claimOutputs([...(page ? [page] : []), ...excludes], [], { inputs, overwrite: options.overwrite });
  try {
    return await audit(inputs, options, page, excludes);
  } finally {
    claim.release();
  }
}

interface Scanned {
  table: ImageTable;
  files: Omit<AuditFile, 'excluded'>[];
  undecodable: AuditResult['undecodable'];
}

async function scanAll(inputs: readonly string[], options: AuditSettings): Promise<Scanned> {
  const table = new ImageTable();
  const undecodable: AuditResult['undecodable'] = [];
  const bad = new Array<number>(inputs.length).fill(0);
  const hasher = new PerceptualHasher(table, options.threads, (n, error) => {
    const f = table.fileOf(n);
    bad[f]! += 1;
    if (undecodable.length < UNDECODABLE_SHOWN) undecodable.push({ file: displayLocation(inputs[f]!), offset: table.offsets[n]!, error: error.message });
  });
  const progress = await InputProgress.of(inputs, options.onProgress, options.signal);
  const files: Omit<AuditFile, 'excluded'>[] = [];
  for (const input of inputs) {
    const layout = (await readLayoutHeader(input)) !== null;
    const counter = new ClassCounter();
    let images = 0;
    let other = 0;
    const reader = await RecordReader.openAsync(input);
    try {
      await reader.scan({ reuseBuffers: true }).forEach((record) => {
        progress.add(record.end - record.offset);
        const image = tryUnpackImageRecord(record.payload);
        if (!image || image.image.length === 0) {
          other += 1;
          return;
        }
        images += 1;
        const n = table.add(record.offset);
        counter.add(image.label[0]!);
        hashContent(table, n, image.image);
        return options.near ? hasher.add(image.image, n) : undefined;
      });
      await hasher.finish(); // every image of this file hashed before the next file's numbers start
    } finally {
      reader.close();
    }
    table.endFile();
    files.push({ file: displayLocation(input), images, otherRecords: other, undecodable: 0, layout, classes: summarize(counter, layout ? 'identity' : 'class') });
  }
  files.forEach((f, i) => (f.undecodable = bad[i]!));
  return { table, files, undecodable };
}

/** Readers of the inputs, opened when first needed, for reading images again by offset. */
class Rereads {
  private readonly readers: (RecordReader | null)[];

  constructor(
    private readonly inputs: readonly string[],
    private readonly table: ImageTable,
  ) {
    this.readers = inputs.map(() => null);
  }

  /** The record of image `n` (in memory of its own). */
  record(n: number): Promise<ImageRecord> {
    return this.at(this.table.fileOf(n), this.table.offsets[n]!);
  }

  /** The image record at `offset` of input `f`. */
  async at(f: number, offset: number): Promise<ImageRecord> {
    const reader = (this.readers[f] ??= await RecordReader.openAsync(this.inputs[f]!));
    return tryUnpackImageRecord((await reader.read(offset)).payload)!;
  }

  close(): void {
    for (const r of this.readers) r?.close();
  }
}

async function audit(inputs: readonly string[], options: AuditSettings, page: string | null, excludes: string[]): Promise<AuditResult> {
  const { table, files, undecodable } = await scanAll(inputs, options);
  const sets = new UnionFind(table.count);
  const scratch = new Uint32Array(table.count);
  linkExact(table, sets, scratch);
  const rereads = new Rereads(inputs, table);
  try {
    const search = { compared: 0, candidates: 0, confirmed: 0 };
    if (options.near) {
      const load = (images: number[]) => Promise.all(images.map(async (n) => (await rereads.record(n)).image));
      const found = await nearPairs(
        table,
        sets,
        options.distance,
        scratch,
        PAIRS_PER_CHECK,
        async (pairs, count) => {
          const ok = await alike(pairs, count, load, options.threads);
          ok.forEach((yes, p) => {
            if (yes && sets.union(pairs[2 * p]!, pairs[2 * p + 1]!)) search.confirmed += 1;
          });
        },
        options.signal,
      );
      search.compared = found.compared;
      search.candidates = found.candidates;
    }
    const groups = await groupsOf(table, sets, scratch, inputs, rereads, options.signal);
    const { keys, unlistable } = exclusionKeys(groups, inputs.length);
    const result: AuditResult = {
      files: files.map((f, i) => ({ ...f, excluded: keys[i]!.length })),
      images: table.count,
      groups,
      exactGroups: groups.filter((g) => g.kind === 'exact').length,
      nearGroups: groups.filter((g) => g.kind === 'near').length,
      redundant: groups.reduce((n, g) => n + g.members.length - 1, 0),
      exactCopies: groups.reduce((n, g) => n + g.members.length - new Set(g.members.map((m) => m.sha256)).size, 0),
      overlap: overlapOf(groups, inputs.map(displayLocation)),
      distance: options.distance,
      search,
      undecodable,
      exclude: excludes.length ? excludes : null,
      html: page,
      unlistable,
    };
    const outputs: { location: string; data: string | Uint8Array }[] = excludes.map((location, i) => ({ location, data: keys[i]!.map((k) => `${k}\n`).join('') }));
    if (page) outputs.push(...(await htmlReport(result, options.html!, (m) => rereads.at(m.input, m.offset).then((r) => r.image), options.signal)));
    options.signal?.throwIfAborted();
    if (outputs.length) await writeWholeFiles(outputs, { overwrite: options.overwrite });
    return result;
  } finally {
    rereads.close();
  }
}

/** The groups (sets of two or more), their members read again to be named. */
async function groupsOf(table: ImageTable, sets: UnionFind, scratch: Uint32Array, inputs: readonly string[], rereads: Rereads, signal?: AbortSignal): Promise<AuditGroup[]> {
  const sizes = scratch.fill(0);
  for (let i = 0; i < table.count; i++) sizes[sets.find(i)]! += 1;
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < table.count; i++) {
    const root = sets.find(i);
    if (sizes[root]! < 2) continue;
    let list = byRoot.get(root);
    if (!list) byRoot.set(root, (list = []));
    list.push(i); // image numbers ascend: input order, then file order
  }
  // Keys from each input's .idx (read one at a time), else the header id.
  const members = new Map<number, AuditMember>();
  const grouped = [...byRoot.values()].flat().sort((a, b) => a - b);
  let at = 0;
  for (const [f, input] of inputs.entries()) {
    const end = table.fileStarts[f + 1]!;
    if (at >= grouped.length || grouped[at]! >= end) continue;
    const idx = await siblingIndex(input);
    const index = idx === null ? null : await RecordIndex.read(idx);
    for (; at < grouped.length && grouped[at]! < end; at++) {
      signal?.throwIfAborted();
      const n = grouped[at]!;
      const record = await rereads.record(n);
      const offset = table.offsets[n]!;
      members.set(n, {
        file: displayLocation(input),
        input: f,
        key: index?.keyAtOffset(offset) ?? String(record.id),
        id: record.id,
        label: record.label.map(float32ToNumber),
        offset,
        bytes: record.image.length,
        sha256: contentHex(table, n),
      });
    }
  }
  const groups: AuditGroup[] = [...byRoot.values()].map((list) => {
    const ms = list.map((n) => members.get(n)!);
    return { kind: ms.every((m) => m.sha256 === ms[0]!.sha256) ? 'exact' : 'near', members: ms, inputs: [...new Set(ms.map((m) => m.input))] };
  });
  const first = (g: AuditGroup) => g.members[0]!;
  return groups.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'exact' ? -1 : 1) || b.members.length - a.members.length || first(a).input - first(b).input || first(a).offset - first(b).offset);
}

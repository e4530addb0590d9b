import type { Command } from 'commander';
import { INFO_OPTIONS, type InfoReport, type Summary, recordFileInfo } from '../../tools/info.js';
import { indexPathOption } from '../args.js';
import { addSchemaFlags, namedByFlag, valuesFromFlags } from '../schema-flags.js';
import { withByteProgress } from '../progress.js';
import { EXIT_BAD_DATA, EXIT_OK, runCommand } from '../run.js';
import { ClassNames } from '../../tools/class-names.js';
import { formatBytes } from '../../util/units.js';
import { stringifyJson } from '../../util/json.js';
import { RecordIOError } from '../../format/errors.js';
import { displayLocation } from '../../io/display-name.js';

function counts(c: Record<string, number>): string {
  return Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function range(s: Summary | null, show: (n: number) => string = String): string {
  if (!s) return '-';
  const median = s.median === undefined ? '' : `, median ${show(s.median)}`;
  return `${show(s.min)}..${show(s.max)} (mean ${show(Math.round(s.mean))}${median})`;
}

/** The report as a few labelled lines; with `all`, every class listed (labels.top holds them all), one a line. */
export function formatInfo(r: InfoReport, all = false): string {
  const lines = [`${r.file}: ${r.records} records, ${formatBytes(r.bytes)}${r.multiPart ? `, ${r.multiPart} stored in several parts` : ''}`];
  const row = (name: string, text: string) => lines.push(`  ${`${name}:`.padEnd(10)}${text}`);
  const L = r.layout;
  if (L.kind === 'insightface') {
    row('layout', `insightface: ${L.images} images (keys ${L.imageKeys[0]}..${L.imageKeys[1] - 1}) of ${L.identities} identities (keys ${L.identityKeys[0]}..${L.identityKeys[1] - 1})`);
    for (const note of L.notes) row('note', note);
    row('readers', `by key through the .idx (insightface's MXFaceDataset); loaders that take every record for an image (DALI's readers.mxnet) need it flat: rec flatten ${r.file} -o FLAT.rec`);
  } else if (L.kind === 'not-images') {
    const headed = r.records - r.withoutHeader;
    row('layout', `not images: ${headed} records with image headers (ids, labels), none holding an image`);
  } else {
    row('layout', { images: 'image dataset', other: 'not image records (no image headers)', empty: 'no records' }[L.kind]);
  }
  if (r.withoutHeader && L.kind !== 'other') row('note', `${r.withoutHeader} records have no image header`);
  if (r.withoutImage && L.kind !== 'insightface') row('note', `${r.withoutImage} image records have no image bytes (loaders that take every record for an image fail on them: rec flatten leaves them out)`);
  if (r.index) {
    const dup = r.index.entries - r.index.keys;
    const state = r.index.consistent ? 'consistent with the records' : `${r.index.problemCount} problems (rec verify lists them)`;
    row('index', `${r.index.file}: ${r.index.entries} entries${dup ? ` (${dup} duplicate keys)` : ''}, ${state}`);
  } else {
    row('index', 'none');
  }
  if (r.labels) {
    const l = r.labels;
    const per = L.kind === 'not-images' ? 'record' : 'image';
    const widths = Object.keys(l.widths).length === 1 ? `${Object.keys(l.widths)[0]} per ${per}` : `per ${per}: ${counts(l.widths)}`;
    const classes = l.classes === null ? 'too many distinct values to count classes' : `${l.classes} distinct${l.integral ? '' : ' (not all integers)'}`;
    row('labels', `${widths}; first label ${l.min}..${l.max}, ${classes}`);
    const listed = (l.top ?? []).map((t) => `${t.label}${t.name === undefined ? '' : ` ${t.name}`} (${t.count})`);
    // Every class: one a line (a thousand classes on one line help nobody); the most common few: one line.
    if (all) listed.forEach((text, i) => (i === 0 ? row('classes', text) : lines.push(`${' '.repeat(12)}${text}`)));
    else if (listed.length > 0) row('top', listed.join(', '));
  }
  if (r.images) {
    const i = r.images;
    row('formats', counts(i.formats));
    // Payloads that are no images have no channels, sizes or image headers to speak of: their bytes only.
    if (L.kind !== 'not-images') {
      row('channels', Object.entries(i.channels).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} (${n})`).join(', ') || '-');
      row('width', range(i.width));
      row('height', range(i.height));
    }
    row('bytes', range(i.bytes, formatBytes));
    const seen = i.sampled ? `a random sample of ${i.inspected} of ${i.count}` : `all ${i.inspected}`;
    if (L.kind !== 'not-images') row('headers', `${seen} read${i.unreadable ? `; ${i.unreadable} unreadable` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Damage stops the summary at the first problem; `rec verify` goes on past
 * each one and lists them all, which is what to run next.
 */
function withVerifyHint(err: unknown, file: string): unknown {
  if (!(err instanceof RecordIOError) || err.kind !== 'data') return err;
  return new RecordIOError(err.code, err.file, err.offset, `${err.detail}; rec verify ${displayLocation(file)} lists every problem`);
}

export function addInfoCommand(program: Command): void {
  const command = program
    .command('info')
    .summary('what a .rec holds: records, labels, formats, sizes, layout')
    .description(
      'Summarise a .rec in one pass: records and bytes; labels (width, classes, the most common);\n' +
        'image formats, channels and sizes (every image header, or a random sample with --sample);\n' +
        'whether the .idx beside it agrees with the records; and the layout: an image dataset, or\n' +
        "insightface's (record 0 holds the identity key range; identity records hold image key ranges).\n" +
        'Exit 1 when the .idx disagrees with the records.',
    )
    .argument('<file>', 'the .rec file (a path, an http(s):// URL or an s3:// object)')
    .option('--index <file>', 'the .idx (default: the .rec path with .idx, if present)')
    .option('--no-index', 'ignore any .idx')
    .option('--names <file>', 'names for the labels: im2rec\'s label map (PREFIX.labels.txt), synset.txt, or one name per line');
  addSchemaFlags(command, INFO_OPTIONS);
  command
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'no progress')
    .addHelpText('after', '\nExamples:\n  rec info train.rec\n  rec info big.rec --sample 1000 --json | jq .images')
    .action(
      async (file: string, opts: { index?: string | boolean; names?: string; top?: number | string; json?: boolean; quiet?: boolean }) =>
        runCommand('rec info', async () => {
          const indexPath = await indexPathOption(file, opts.index);
          const names = opts.names ? await ClassNames.load(opts.names) : undefined;
          const report = await withByteProgress('rec info', opts.quiet, (onProgress) =>
            recordFileInfo(file, { ...valuesFromFlags(INFO_OPTIONS, opts), indexPath, names, onProgress }),
          ).catch((err: unknown) => {
            throw withVerifyHint(namedByFlag(INFO_OPTIONS, err), file);
          });
          process.stdout.write(opts.json ? `${stringifyJson(report, 2)}\n` : formatInfo(report, opts.top === 'all'));
          return report.index && !report.index.consistent ? EXIT_BAD_DATA : EXIT_OK;
        }),
    );
}

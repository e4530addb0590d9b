import type { Command } from 'commander';
import { REPAIR_OPTIONS, type RepairReport, repairRecordFile } from '../../tools/repair.js';
import { EXIT_BAD_DATA, EXIT_OK, runWritingCommand } from '../run.js';
import { withByteProgress } from '../progress.js';
import { stringifyJson } from '../../util/json.js';
import { addRewriteOptions, oneOutput, rewriteWith } from './rewrite-common.js';

/** `n thing` or `n things`. */
function count(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? '' : 's'}`;
}

/** "N more" after a list cut at its first entries. */
function more(count: number, shown: number): string {
  return count > shown ? ` and ${count - shown} more` : '';
}

/** The report as lines: what was written, what was stepped over, what the .idx and record 0 claimed, and the verdict. */
function reportLines(r: RepairReport): string[] {
  const lines = [`${r.input}: ${r.records} records recovered into ${r.out} and ${r.indexPath} (${r.inputBytes} bytes read)`];
  if (r.damage.count > 0) {
    lines.push(`damage: ${r.damage.count} stretch${r.damage.count === 1 ? '' : 'es'}, ${r.damage.bytes} bytes skipped:`);
    for (const d of r.damage.first) lines.push(`  ${d.message} (${d.length} bytes skipped)`);
    if (r.damage.count > r.damage.first.length) lines.push(`  ...${more(r.damage.count, r.damage.first.length)}`);
  }
  if (r.suspect.count > 0) {
    const which = r.suspect.first.map((s) => `byte ${s.offset} [key ${s.key}]`).join(', ');
    lines.push(`suspect: ${r.suspect.count} record${r.suspect.count === 1 ? '' : 's'} kept whose end is where damage starts (a length that lies shorter; --decode checks the image): ${which}${more(r.suspect.count, r.suspect.first.length)}`);
  }
  const i = r.index;
  if (i) {
    if (i.unreadable !== null) lines.push(`index: not used, it does not parse (${i.unreadable}); keys from image headers`);
    else {
      const nowhere = i.pastEnd + i.inDamage + i.insideRecords;
      lines.push(
        `index: ${i.file} claims ${i.entries} entries (${i.keys} keys); ${i.named} name recovered records, ${nowhere} no record start (${i.pastEnd} past the end of the file, ${i.inDamage} in damaged bytes, ${i.insideRecords} inside records); ${count(i.unindexed, 'recovered record')} without an entry (keyed by header id)`,
      );
    }
    if (i.lostKeys > 0) lines.push(`lost keys: ${count(i.lostKeys, 'key')} of the .idx in no recovered record: ${i.lostSample.join(', ')}${more(i.lostKeys, i.lostSample.length)}`);
    if (i.rebuilt && i.lostKeys === 0) lines.push(`index: ${r.indexPath} is rebuilt from the records recovered`);
  }
  if (r.keyedByPosition > 0) lines.push(`keys: ${r.keyedByPosition} records with neither an .idx entry nor an image header are keyed by their position`);
  const l = r.layoutClaims;
  if (l) {
    const rebuilt = r.layout ? `; ${r.out} has the layout rebuilt: ${r.layout.images} images of ${r.layout.identities} identities, a new record 0 and identity records` : '';
    lines.push(`insightface layout: record 0 claims ${l.imagesClaimed} images and ${l.identitiesClaimed} identity records; ${l.imagesFound} and ${l.identitiesFound} recovered${rebuilt}`);
  }
  if (r.decoded !== null) {
    const aside = r.undecodable && r.undecodable.records > 0 ? `${r.undecodable.records} do not decode, set aside into ${r.undecodable.out} and ${r.undecodable.indexPath}` : 'all decode';
    lines.push(`decode: ${r.decoded} images decoded, ${aside}`);
  }
  lines.push(r.lost ? 'result: something was lost (see above); the records recovered were written' : 'result: nothing was lost');
  return lines;
}

export function addRepairCommand(program: Command): void {
  const command = program
    .command('repair')
    .summary('every sound record of a damaged .rec into a new .rec + .idx, with a report of what was lost')
    .description(
      'Read a damaged .rec (bad magic, a file cut short, lying lengths, zeroed bytes, an .idx that\n' +
        'disagrees with it) past its damage and write every sound record, byte for byte, to OUT.rec +\n' +
        'OUT.idx, keys kept (from the .idx entry that names the record, else the image header id). The\n' +
        'report says what was skipped and where, what the .idx (and insightface\'s record 0) claimed\n' +
        'against what is there, and which keys are lost. With --decode, images that do not decode go to\n' +
        'OUT-undecodable.rec + .idx instead. The input is never written. Exits 0 when nothing was lost\n' +
        '(even if the .idx was rebuilt), 1 when something was (the output is still written), 2 when the\n' +
        'command or its input is unusable.',
    )
    .argument('<file>', 'the damaged .rec (a path, an http(s):// URL or an s3:// object)')
    .argument('[out]', 'the .rec to write (or -o)')
    .option('-o, --out <file>', 'the .rec to write (its .idx goes beside it)');
  addRewriteOptions(command, REPAIR_OPTIONS)
    .addHelpText('after', '\nExamples:\n  rec repair broken.rec -o fixed.rec\n  rec repair broken.rec -o fixed.rec --decode --json | jq .lost')
    .action(async (file: string, outArg: string | undefined, opts: { out?: string; json?: boolean; quiet?: boolean }) =>
      runWritingCommand('rec repair', async (signal) => {
        const out = oneOutput(outArg, opts.out);
        const report = await withByteProgress('rec repair', opts.quiet, async (onProgress) =>
          rewriteWith(REPAIR_OPTIONS, opts, (given) => repairRecordFile(file, out, { ...given, onProgress, signal })),
        );
        if (opts.json) process.stdout.write(`${stringifyJson(report, 2)}\n`);
        else process.stdout.write(`${reportLines(report).join('\n')}\n`);
        return report.lost ? EXIT_BAD_DATA : EXIT_OK;
      }),
    );
}

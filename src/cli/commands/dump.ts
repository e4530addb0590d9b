import type { Command } from 'commander';
import { displayLocation } from '../../io/display-name.js';
import { openPartition } from '../../format/partition.js';
import { dumpRow, formatDumpRow } from '../../tools/dump.js';
import { LineWriter, runCommand } from '../run.js';
import { addSchemaFlags, resolveFlags } from '../schema-flags.js';
import { partCountOption, partIndexOption, resolveParts } from '../../util/scheduler.js';

/** Which part to dump: the options every surface that splits shares (util/scheduler.ts). */
const DUMP_PARTS = {
  parts: partCountOption({ doc: 'split the file into n parts, as MXNet workers do', flag: '--parts', auto: false }),
  part: partIndexOption({ doc: "which part to dump, 0-based (with --parts); auto: from the scheduler's array index", flag: '--part' }),
};

export function addDumpCommand(program: Command): void {
  const command = program
    .command('dump')
    .summary('one JSON line per record')
    .description(
      'Print one JSON line per record: index, offset, length (payload bytes), flag, label, id, id2 and\n' +
        'sha256 (of the image bytes after the header and labels). Records without an image header\n' +
        '(protobuf payloads, say) print with "header": null. With --parts/--part, only the records\n' +
        "that dmlc's InputSplit gives that part; index then counts within the part.",
    )
    .argument('<file>', 'the .rec file (a path, an http(s):// URL or an s3:// object)');
  addSchemaFlags(command, DUMP_PARTS);
  command
    .option('--recover', 'step over damaged records (reported on stderr; exit 1) instead of stopping')
    .option('--json', 'end with a summary line: {"summary": {file, records, parts, part, skippedRecords, skippedBytes}}')
    .addHelpText('after', '\nExample:\n  rec dump train.rec --parts 4 --part 1 | head')
    .action(async (file: string, opts: { recover?: boolean; json?: boolean }) =>
      runCommand('rec dump', async () => {
        const asked = resolveFlags(DUMP_PARTS, opts);
        const { count: numParts, index: partIndex } = resolveParts(asked.parts, asked.part, { count: '--parts', index: '--part' }) ?? { count: 1, index: 0 };
        const out = new LineWriter();
        const scan = await openPartition(file, {
          numParts,
          partIndex,
          recover: opts.recover,
          reuseBuffers: true, // each row is made before the next record is read
          onSkip: (e) => process.stderr.write(`rec dump: skipped ${e.resumeAt - e.offset} bytes: ${e.error.message}\n`),
        });
        let index = 0;
        try {
          for await (const record of scan) await out.line(formatDumpRow(dumpRow(record, index++)));
          if (opts.json) {
            const { records: skippedRecords, bytes: skippedBytes } = scan.skipped;
            await out.line(JSON.stringify({ summary: { file: displayLocation(file), records: index, parts: numParts, part: partIndex, skippedRecords, skippedBytes } }));
          }
        } finally {
          await out.flush();
        }
        return scan.skipped.records > 0 ? 1 : 0;
      }),
    );
}

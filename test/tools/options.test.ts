// The tools' options are checked as pack()'s and the iterator's are: an unknown name (with the
// closest known one) or a value of the wrong kind is a UsageError naming it, before anything is read
// or written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordWriter } from '../../src/format/writer.js';
import { MERGE_OPTIONS, mergeRecordFiles } from '../../src/tools/merge.js';
import { shuffleRecordFile } from '../../src/tools/shuffle.js';
import { splitRecordFile } from '../../src/tools/split.js';
import { subsetRecordFile } from '../../src/tools/subset.js';
import { UsageError } from '../../src/util/errors.js';
import { INFO_OPTIONS, recordFileInfo } from '../../src/tools/info.js';
import { VERIFY_OPTIONS, verifyRecordFile } from '../../src/tools/verify.js';
import { UNPACK_OPTIONS, unpackRecordFile } from '../../src/tools/unpack.js';
import { VIEW_OPTIONS, viewRecordFile } from '../../src/tools/view/view.js';
import { SPLIT_OPTIONS } from '../../src/tools/split.js';
import { SUBSET_OPTIONS } from '../../src/tools/subset.js';
import { SHUFFLE_OPTIONS } from '../../src/tools/shuffle.js';
import { REPAIR_OPTIONS, repairRecordFile } from '../../src/tools/repair.js';
import { ITER_OPTIONS } from '../../src/iter/options.js';
import { recProgram } from '../../src/cli/rec.js';
import { type Schema, flagOf } from '../../src/util/schema.js';
import { tempDir } from '../helpers/tmp.js';

test('merge, split, subset and shuffle refuse an option they do not know or a value of the wrong kind, writing nothing', async () => {
  const dir = tempDir();
  const input = path.join(dir, 'in.rec');
  const w = RecordWriter.create(input, { indexPath: path.join(dir, 'in.idx') });
  for (let i = 0; i < 4; i++) w.write(Buffer.from(`record ${i}`), i);
  w.close();
  const out = (name: string) => path.join(dir, name);
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['merge', () => mergeRecordFiles([input], out('m.rec'), { renumbre: true } as never), /^renumbre: unknown option \(did you mean renumber\?\)$/],
    ['merge', () => mergeRecordFiles([input], out('m.rec'), { overwrite: 'yes' } as never), /^overwrite: expected true or false/],
    ['shuffle', () => shuffleRecordFile(input, out('s.rec'), { seed: 1.5 }), /^seed: expected an integer, received 1\.5$/],
    ['shuffle', () => shuffleRecordFile(input, out('s.rec'), { onProgress: 5 } as never), /^onProgress: expected a function/],
    ['split', () => splitRecordFile(input, [out('a.rec'), out('b.rec')], { shares: [1, 1], shufle: true } as never), /^shufle: unknown option \(did you mean shuffle\?\)$/],
    ['split', () => splitRecordFile(input, [out('a.rec'), out('b.rec')], { shares: [1] }), /^shares: expected 2 shares \(one per output\), received 1$/],
    ['split', () => splitRecordFile(input, [out('a.rec'), out('b.rec')], { shares: '1,1' } as never), /^shares: expected an array of numbers/],
    ['subset', () => subsetRecordFile(input, out('k.rec'), { keys: ['1'] } as never), /^keys: expected a Set of keys/],
    ['subset', () => subsetRecordFile(input, out('k.rec'), { label: new Set([1]) } as never), /^label: unknown option \(did you mean labels\?\)$/],
    ['repair', () => repairRecordFile(input, out('r.rec'), { decod: true } as never), /^decod: unknown option \(did you mean decode\?\)$/],
    ['repair', () => repairRecordFile(input, out('r.rec'), { maxListed: 0 }), /^maxListed: expected an integer >= 1, received 0$/],
    ['info', () => recordFileInfo(input, { sampel: 3 } as never), /^sampel: unknown option \(did you mean sample\?\)$/],
    ['verify', () => verifyRecordFile(input, { maxProblems: 0 }), /^maxProblems: expected an integer >= 1, received 0$/],
    ['unpack', () => unpackRecordFile(input, out('u'), { limit: 0 }), /^limit: expected an integer >= 1, received 0$/],
    ['view', () => viewRecordFile(input, { sheet: out('v.png'), count: 0 }), /^count: expected an integer in 1\.\.1000, received 0$/],
    ['view', () => viewRecordFile(input, { sheet: out('v.png'), classes: 3 }), /^classes: expected perClass too$/],
  ];
  for (const [tool, run, message] of cases) {
    await assert.rejects(run(), (e: unknown) => e instanceof UsageError && message.test(e.message), `${tool}: ${message}`);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['in.idx', 'in.rec'], `${tool}: nothing written`);
  }
});

test("the commands' flags are their tools' options: each option with a flag is one of its command's flags", async () => {
  const schemas: [string, Schema][] = [
    ['merge', MERGE_OPTIONS],
    ['split', SPLIT_OPTIONS],
    ['subset', SUBSET_OPTIONS],
    ['shuffle', SHUFFLE_OPTIONS],
    ['repair', REPAIR_OPTIONS],
    ['info', INFO_OPTIONS],
    ['verify', VERIFY_OPTIONS],
    ['unpack', UNPACK_OPTIONS],
    ['view', VIEW_OPTIONS],
    ['iter', ITER_OPTIONS],
  ];
  const program = await recProgram();
  for (const [name, schema] of schemas) {
    const command = program.commands.find((c) => c.name() === name)!;
    const flags = new Set(command.options.map((o) => o.flags.replace(/ [<[].*$/, '')));
    const declared = Object.entries(schema).flatMap(([key, spec]) => flagOf(key, spec) ?? []);
    assert.ok(declared.length > 0, name);
    for (const flag of declared) assert.ok(flags.has(flag), `rec ${name} ${flag}`);
  }
});

test('what the checks take is what the tools use: a Set-like of keys, a signal by its shape', async () => {
  const dir = tempDir();
  const input = path.join(dir, 'in.rec');
  const w = RecordWriter.create(input, { indexPath: path.join(dir, 'in.idx') });
  for (let i = 0; i < 4; i++) w.write(Buffer.from(`record ${i}`), i);
  w.close();
  const keys = new Set(['1', '3']);
  const setLike = { has: (k: string) => keys.has(k), size: keys.size, [Symbol.iterator]: () => keys[Symbol.iterator]() };
  const signal = { aborted: false, addEventListener() {}, removeEventListener() {}, throwIfAborted() {} };
  const result = await subsetRecordFile(input, path.join(dir, 'k.rec'), { keys: setLike as unknown as ReadonlySet<string>, signal: signal as unknown as AbortSignal });
  assert.equal(result.records, 2);
});

test("the options' former name http is refused, naming the new one, never quietly ignored", async () => {
  const { ImageRecordIter } = await import('../../src/iter/image-record-iter.js');
  const { openPartition } = await import('../../src/format/partition.js');
  const renamed = /^http: renamed remote/;
  assert.throws(() => new ImageRecordIter({ pathImgrec: 'x.rec', dataShape: [3, 8, 8], batchSize: 1, http: {} } as never), (e: unknown) => e instanceof UsageError && renamed.test(e.message));
  await assert.rejects(openPartition('x.rec', { http: { headers: { authorization: 'secret' } } } as never), (e: unknown) => e instanceof UsageError && renamed.test(e.message));
});

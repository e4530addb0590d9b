// The tools' options are checked as pack()'s and the iterator's are: an unknown name (with the
// closest known one) or a value of the wrong kind is a UsageError naming it, before anything is read
// or written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RecordWriter } from '../../src/format/writer.js';
import { mergeRecordFiles } from '../../src/tools/merge.js';
import { shuffleRecordFile } from '../../src/tools/shuffle.js';
import { splitRecordFile } from '../../src/tools/split.js';
import { subsetRecordFile } from '../../src/tools/subset.js';
import { UsageError } from '../../src/util/errors.js';
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
    ['shuffle', () => shuffleRecordFile(input, out('s.rec'), { seed: -1 }), /^seed: expected an integer >= 0, received -1$/],
    ['shuffle', () => shuffleRecordFile(input, out('s.rec'), { onProgress: 5 } as never), /^onProgress: expected a function/],
    ['split', () => splitRecordFile(input, [out('a.rec'), out('b.rec')], { shares: [1, 1], shufle: true } as never), /^shufle: unknown option \(did you mean shuffle\?\)$/],
    ['split', () => splitRecordFile(input, [out('a.rec'), out('b.rec')], {} as never), /^shares: required$/],
    ['split', () => splitRecordFile(input, [out('a.rec'), out('b.rec')], { shares: '1,1' } as never), /^shares: expected an array of numbers/],
    ['subset', () => subsetRecordFile(input, out('k.rec'), { keys: ['1'] } as never), /^keys: expected a Set of keys/],
    ['subset', () => subsetRecordFile(input, out('k.rec'), { label: new Set([1]) } as never), /^label: unknown option \(did you mean labels\?\)$/],
  ];
  for (const [tool, run, message] of cases) {
    await assert.rejects(run(), (e: unknown) => e instanceof UsageError && message.test(e.message), `${tool}: ${message}`);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['in.idx', 'in.rec'], `${tool}: nothing written`);
  }
});

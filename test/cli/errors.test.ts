// One error base: every error the package exports is an MxrecError with a
// kind, and the CLI's exit code follows from the kind alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as api from '../../src/index.js';
import { EXIT_BAD_DATA, EXIT_INTERNAL, EXIT_USAGE, UsageError, reportError } from '../../src/cli/run.js';
import { RecordIOError } from '../../src/format/errors.js';
import { ImageError } from '../../src/codec/types.js';
import { HttpError } from '../../src/io/remote/http-source.js';
import { OutputExistsError } from '../../src/io/output-errors.js';

const KINDS = ['data', 'usage', 'io', 'network'];

test('every error class the package exports is an MxrecError with a kind', () => {
  const classes = Object.entries(api).filter(([name, value]) => name.endsWith('Error') && name !== 'MxrecError' && typeof value === 'function');
  assert.ok(classes.length >= 20, `${classes.length} error classes`);
  for (const [name, value] of classes) {
    assert.ok((value as Function).prototype instanceof api.MxrecError, `${name} extends MxrecError`);
  }
  const made = [new api.IndexFileError('x.idx', 3, 'bad'), new api.LimitError('too big'), new api.UnpackError('no'), new api.IterDataError('bad')];
  for (const err of made) assert.ok(KINDS.includes(err.kind), `${err.name}: ${err.kind}`);
});

test('the CLI takes the exit code from the kind: 1 for data, 2 for usage, io and network, 70 for a bug', () => {
  const write = process.stderr.write;
  const said: string[] = [];
  process.stderr.write = ((text: string) => said.push(text) > 0) as typeof process.stderr.write;
  try {
    assert.equal(reportError('rec', new RecordIOError('BAD_MAGIC', 'a.rec', 8, 'bad magic')), EXIT_BAD_DATA);
    assert.equal(reportError('rec', new RecordIOError('NOT_RECORDIO', 'a.idx', 0, 'not a RecordIO file')), EXIT_USAGE);
    assert.equal(reportError('rec', new ImageError('CORRUPT', 'truncated')), EXIT_BAD_DATA);
    assert.equal(reportError('rec', new UsageError('--count: expected an integer')), EXIT_USAGE);
    assert.equal(reportError('rec', new OutputExistsError('out.rec')), EXIT_USAGE);
    assert.equal(reportError('rec', new HttpError('http://h/a.rec', '404 Not Found', 404)), EXIT_USAGE);
    assert.equal(reportError('rec', Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: 'x.rec' })), EXIT_USAGE);
    assert.equal(reportError('rec', new TypeError('a bug')), EXIT_INTERNAL);
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(said.slice(0, 7), [
    'rec: a.rec: byte 8: bad magic\n',
    'rec: a.idx: byte 0: not a RecordIO file\n',
    'rec: truncated\n',
    'rec: --count: expected an integer\n',
    'rec: out.rec: already exists; not replaced without --force\n',
    'rec: http://h/a.rec: 404 Not Found\n',
    'rec: x.rec: no such file or directory\n',
  ]);
  assert.match(said[7]!, /^rec: internal error \(please report it\): TypeError: a bug/);
});

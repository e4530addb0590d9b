// Options declared once (util/schema.ts): one entry added to a schema shows in
// the options type, the validation, the command line's flags and --help, and
// the docs table. Checked on the iterator's own schema with one more entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addSchemaFlags, valuesFromFlags } from '../../src/cli/schema-flags.js';
import { ITER_OPTIONS } from '../../src/iter/options.js';
import { integer, markdownTable, type OptionsOf, resolveSchema } from '../../src/util/schema.js';

const WITH_DUMMY = { ...ITER_OPTIONS, dummyOption: integer({ doc: 'a dummy option for this test', mxnet: 'dummy_option', default: 3, min: 1 }) };
const fail = (message: string): never => {
  throw new Error(message);
};
const base = { pathImgrec: 'x.rec', dataShape: [3, 8, 8], batchSize: 2 };

test('the type: the new option is typed, optional, and checked by the compiler', () => {
  const typed: OptionsOf<typeof WITH_DUMMY> = { ...base, dummyOption: 5 };
  // @ts-expect-error a string is not an integer option's value
  const wrong: OptionsOf<typeof WITH_DUMMY> = { ...base, dummyOption: 'five' };
  // @ts-expect-error the iterator's own options type does not have it
  const without: OptionsOf<typeof ITER_OPTIONS> = { ...base, dummyOption: 5 };
  assert.equal(typed.dummyOption, 5);
  void [wrong, without];
});

test('the validation: its default applies, its range is checked, and a misspelling suggests it', () => {
  assert.equal(resolveSchema(WITH_DUMMY, base, { fail }).dummyOption, 3);
  assert.equal(resolveSchema(WITH_DUMMY, { ...base, dummyOption: 9 }, { fail }).dummyOption, 9);
  assert.throws(() => resolveSchema(WITH_DUMMY, { ...base, dummyOption: 0 }, { fail }), /^Error: dummyOption: expected an integer >= 1, received 0$/);
  assert.throws(() => resolveSchema(WITH_DUMMY, { ...base, dummyOptoin: 2 }, { fail }), /dummyOptoin: unknown option \(did you mean dummyOption\?\)/);
});

test('the command line: a flag with its help and default, parsed and checked as the library checks it', () => {
  const command = new Command('iter').exitOverride().configureOutput({ writeErr: () => undefined });
  addSchemaFlags(command, WITH_DUMMY);
  assert.match(command.helpInformation().replace(/\s+/g, ' '), /--dummy-option <n> a dummy option for this test \(dummy_option\) \(default: 3\)/);
  command.parse(['--data-shape', '3,8,8', '--batch-size', '2', '--dummy-option', '7'], { from: 'user' });
  assert.equal(valuesFromFlags(WITH_DUMMY, command.opts()).dummyOption, 7);
  const again = new Command('iter').exitOverride().configureOutput({ writeErr: () => undefined });
  addSchemaFlags(again, WITH_DUMMY);
  assert.throws(() => again.parse(['--data-shape', '3,8,8', '--batch-size', '2', '--dummy-option', '0'], { from: 'user' }), /'--dummy-option <n>' argument '0' is invalid\. expected an integer >= 1/);
});

test('the docs: a row in the options table', () => {
  assert.match(markdownTable(WITH_DUMMY), /\n\| `dummyOption` \| `dummy_option` \| integer >= 1 \| 3 \| a dummy option for this test \|\n/);
  assert.doesNotMatch(markdownTable(ITER_OPTIONS), /dummyOption/);
});

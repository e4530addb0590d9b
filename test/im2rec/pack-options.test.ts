// pack()'s options are checked before any work, as ImageRecordIter's are: each wrong option is a
// PackOptionError naming it, and nothing is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PackOptionError, type PackOptions } from '../../src/im2rec/options.js';
import { pack } from '../../src/im2rec/pack.js';
import { tempDir } from '../helpers/tmp.js';

function workspace(): PackOptions {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'pics'));
  fs.writeFileSync(path.join(dir, 'pics', 'a.jpg'), Buffer.from('not looked at'));
  fs.writeFileSync(path.join(dir, 'x.lst'), '0\t1.000000\ta.jpg\n');
  return { list: path.join(dir, 'x.lst'), root: path.join(dir, 'pics'), output: path.join(dir, 'x.rec'), dialect: { kind: 'tab' } };
}

test('a wrong pack() option is refused before any work, naming the option', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ thread: 2 }, /^thread: unknown option \(did you mean threads\?\)$/],
    [{ threads: 0 }, /^threads: expected an integer in 1\.\.256, received 0$/],
    [{ threads: 1.5 }, /^threads: expected an integer/],
    [{ image: { resize: 70000 } }, /^image\.resize: expected an integer <= 65535, received 70000$/],
    [{ image: { reszie: 5 } }, /^image\.reszie: unknown option \(did you mean resize\?\)$/],
    [{ image: { quality: 0 } }, /^image\.quality: expected 1\.\.100 for JPEG, received 0$/],
    [{ image: { encoding: '.gif' } }, /^image\.encoding: expected ".jpg" or ".png", received ".gif"$/],
    [{ image: { interMethod: 7 } }, /^image\.interMethod: expected one of 0, 1, 2, 3, 4, 9, 10/],
    [{ image: 'big' }, /^image: expected an object of form, passThrough, resize/],
    [{ parts: { count: 2, index: 2 } }, /^parts: expected \{ count, index \} with index an integer in 0\.\.1/],
    [{ dialect: { kind: 'whitespace' } }, /^dialect: expected \{ kind: 'tab' \} or \{ kind: 'whitespace', labelWidth \}/],
    [{ dialect: undefined }, /^dialect: required$/],
    [{ onSkip: 'log' }, /^onSkip: expected a function/],
    [{ signal: {} }, /^signal: expected an AbortSignal/],
  ];
  for (const [change, message] of cases) {
    const options = { ...workspace(), ...change } as PackOptions;
    await assert.rejects(pack(options), (e: unknown) => e instanceof PackOptionError && e.kind === 'usage' && message.test(e.message), JSON.stringify(change));
    const dir = path.dirname(options.list);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['pics', 'x.lst'], `${JSON.stringify(change)}: nothing written`);
  }
});

test('PNG compression takes any quality (above 9 meaning the most), as MXNet', async () => {
  const options = { ...workspace(), image: { encoding: '.png', quality: 200 } } as PackOptions;
  // The image is not one: the options pass, and the pack fails on the data instead.
  await assert.rejects(pack(options), (e: unknown) => !(e instanceof PackOptionError) && /no image was packed/.test(String(e)));
});

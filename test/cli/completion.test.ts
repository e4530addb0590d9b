// Shell completion (issue 29): `rec completion bash|zsh|fish` and
// `im2rec --completion bash|zsh|fish` print scripts generated from the
// commander programs. The bash script is sourced into a real bash and its
// function called as bash's completion calls it (COMP_WORDS, COMP_CWORD).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { recProgram } from '../../src/cli/rec.js';
import { pyProgram } from '../../src/cli/im2rec.js';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir('mxrec-completion-');

function script(bin: 'rec' | 'im2rec', shell: string): string {
  const res = runBin(bin, bin === 'rec' ? ['completion', shell] : ['--completion', shell]);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr, '');
  return res.stdout;
}

const scripts = { rec: path.join(dir, 'rec.bash'), im2rec: path.join(dir, 'im2rec.bash') };
fs.writeFileSync(scripts.rec, script('rec', 'bash'));
fs.writeFileSync(scripts.im2rec, script('im2rec', 'bash'));

/** What bash offers for the command line `words`, the last word being the one completed. */
function complete(bin: 'rec' | 'im2rec', ...words: string[]): string[] {
  const quoted = [bin, ...words].map((w) => `'${w}'`).join(' ');
  const body = `source '${scripts[bin]}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; COMPREPLY=(); _mxrec_${bin}; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const res = spawnSync('bash', ['--norc', '--noprofile', '-c', body], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr, '');
  return res.stdout.split('\n').filter(Boolean);
}

describe('bash', () => {
  test('rec v → verify, view; rec TAB → every command', async () => {
    assert.deepEqual(complete('rec', 'v'), ['verify', 'view']);
    assert.deepEqual(complete('rec', '').sort(), (await recProgram()).commands.map((c) => c.name()).sort());
  });

  test("a command's flags after -, an enum flag's values, the shells after completion, files otherwise", () => {
    assert.deepEqual(complete('rec', 'info', '--j'), ['--json']);
    assert.deepEqual(complete('rec', '--renumber', 'merge', '--ren'), ['--renumber'], 'the command is the first word that is not a flag');
    assert.deepEqual(complete('rec', 'iter', 'x.rec', '--dtype', ''), ['float32', 'uint8']);
    assert.deepEqual(complete('rec', 'completion', ''), ['bash', 'zsh', 'fish']);
    assert.deepEqual(complete('rec', 'info', 'da'), [], 'a path: left to bash (complete -o default)');
    assert.deepEqual(complete('rec', 'view', '-o', ''), [], "a flag's free value: left to bash");
    assert.deepEqual(complete('im2rec', '--res'), ['--resize', '--resume']);
    assert.deepEqual(complete('im2rec', 'data/pets', 'images/', '--encoding', ''), ['.jpg', '.png']);
    assert.deepEqual(complete('im2rec', '--completion', 'f'), ['fish']);
  });

  test('generated from the programs: every command and every flag is in the script', async () => {
    const text = fs.readFileSync(scripts.rec, 'utf8');
    for (const command of (await recProgram()).commands) {
      const offered = complete('rec', command.name(), '-');
      for (const option of command.options.filter((o) => !o.hidden)) assert.ok(offered.includes(option.long!), `rec ${command.name()} ${option.long}`);
    }
    assert.match(text, /^complete -o default -F _mxrec_rec rec$/m);
    const im2rec = complete('im2rec', '-');
    for (const option of pyProgram(() => {}).options.filter((o) => !o.hidden)) assert.ok(im2rec.includes(option.long!), `im2rec ${option.long}`);
  });
});

test('zsh: the bash function through bashcompinit; fish: complete lines', () => {
  for (const bin of ['rec', 'im2rec'] as const) {
    const zsh = script(bin, 'zsh');
    assert.match(zsh, /^autoload -U \+X bashcompinit && bashcompinit$/m);
    assert.ok(zsh.includes(fs.readFileSync(scripts[bin], 'utf8').split('\n').slice(2).join('\n')), 'the same function as bash');
  }
  const fish = script('rec', 'fish');
  assert.match(fish, /^complete -c rec -n __fish_use_subcommand -f -a view -d '.+'$/m);
  assert.match(fish, /^complete -c rec -n '__fish_seen_subcommand_from iter' -l dtype -x -a 'float32 uint8' -d '.+'$/m);
  assert.match(fish, /^complete -c rec -n '__fish_seen_subcommand_from view' -s o -l out -r -d '.+'$/m);
  assert.match(script('im2rec', 'fish'), /^complete -c im2rec -l resize -r -d '.+'$/m);
  // Where the shells are installed, the scripts parse.
  for (const [shell, text] of [['zsh', script('rec', 'zsh')], ['fish', fish]] as const) {
    const which = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' });
    if (which.status !== 0) continue;
    const res = spawnSync(shell, ['-n'], { input: text, encoding: 'utf8' });
    assert.equal(res.status, 0, `${shell} -n: ${res.stderr}`);
  }
});

test('an unknown shell is a usage error naming the choices', () => {
  const res = runBin('rec', ['completion', 'tcsh']);
  assert.equal(res.status, 2);
  assert.ok(isOneLineError(res.stderr), res.stderr);
  assert.match(res.stderr, /bash, zsh, fish/);
  const im2rec = runBin('im2rec', ['--completion', 'tcsh']);
  assert.equal(im2rec.status, 2);
  assert.match(im2rec.stderr, /bash, zsh, fish/);
});

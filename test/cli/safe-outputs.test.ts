// "Your files are safe": no command destroys or corrupts a file it was not asked
// to write. One describe per case of the issue that found the ways data was lost
// (silent replacement, empty packs, planted symlinks, concurrent runs, unpack
// outside its folder, resuming changed work), at the command line, on real files.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type RecordId, unpackImageRecord } from '../../src/format/image-record.js';
import { RecordReader } from '../../src/format/reader.js';
import { partialPaths } from '../../src/im2rec/partial-output.js';
import { lockPathFor } from '../../src/io/output-lock.js';
import { isOneLineError, runBin, runBinAsync } from '../helpers/cli.js';
import { makeJpeg } from '../helpers/images.js';
import { tempDir } from '../helpers/tmp.js';

const binDir = path.resolve('bin');
const work = tempDir('mxrec-safe-');

/** photos/{cat,dog}/N.jpg: real JPEGs, 6 per class. */
async function photoFolder(dir: string, size = { width: 96, height: 72 }, seed = 1): Promise<string> {
  const root = path.join(dir, 'photos');
  for (const [c, cls] of ['cat', 'dog'].entries()) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < 6; i++) {
      fs.writeFileSync(path.join(root, cls, `${i}.jpg`), await makeJpeg(size.width + 8 * i, size.height, {}, seed + 10 * c + i));
    }
  }
  return root;
}

/** A fresh folder holding photos/ and data/; `train.lst` listed with im2rec --list --recursive. */
async function workspace(): Promise<{ dir: string; photos: string; data: string }> {
  const dir = fs.mkdtempSync(path.join(work, 'ws-'));
  const photos = await photoFolder(dir);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  ok(runBin('im2rec', [path.join(data, 'train'), photos, '--list', '--recursive', '-q']));
  return { dir, photos, data };
}

function ok(res: { status: number | null; stderr: string }): void {
  assert.equal(res.status, 0, res.stderr);
}

/** A refusal: exit 2, one line, naming the file and (for an existing output) --force. */
function refused(res: { status: number | null; stderr: string }, file: string, also: RegExp = /--force/): void {
  assert.equal(res.status, 2, res.stderr);
  assert.ok(isOneLineError(res.stderr), res.stderr);
  assert.ok(res.stderr.includes(file), `names ${file}: ${res.stderr}`);
  assert.match(res.stderr, also);
}

function ids(rec: string): RecordId[] {
  const reader = RecordReader.open(rec);
  try {
    return [...reader.scan()].map((r) => unpackImageRecord(r.payload).id);
  } finally {
    reader.close();
  }
}

const snapshot = (files: string[]) => files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f).toString('base64') : null));
const tempsIn = (dir: string) => fs.readdirSync(dir).filter((n) => /\.tmp-|\.partial|\.lock$/.test(n));

describe('1. an existing output is never replaced without --force', () => {
  test('rec merge: OUT first (the old order) is refused when OUT exists, even with --force; -o OUT merges', async () => {
    const { data } = await workspace();
    const all = path.join(data, 'all.rec');
    ok(runBin('im2rec', [path.join(data, 'train'), path.join(data, '..', 'photos'), '--pass-through', '-q']));
    fs.renameSync(path.join(data, 'train.rec'), all);
    fs.renameSync(path.join(data, 'train.idx'), path.join(data, 'all.idx'));
    const [tr, va] = [path.join(data, 'tr.rec'), path.join(data, 'va.rec')];
    ok(runBin('rec', ['split', all, tr, va, '--shares', '9,3']));
    const before = snapshot([tr, path.join(data, 'tr.idx')]);

    // "merge these two": tr.rec would have been replaced by va.rec's records.
    for (const extra of [[], ['--force']]) {
      const res = runBin('rec', ['merge', tr, va, ...extra]);
      refused(res, tr, /-o/);
      assert.deepEqual(snapshot([tr, path.join(data, 'tr.idx')]), before);
    }
    const both = path.join(data, 'both.rec');
    ok(runBin('rec', ['merge', '-o', both, tr, va]));
    assert.deepEqual(ids(both), [...ids(tr), ...ids(va)]);
    refused(runBin('rec', ['merge', '--out', both, va, tr]), both);
    assert.deepEqual(ids(both), [...ids(tr), ...ids(va)]);
    ok(runBin('rec', ['merge', '--out', both, va, tr, '--force']));
    assert.deepEqual(ids(both), [...ids(va), ...ids(tr)]);
    // The old order still works where it cannot destroy anything: a new OUT.
    const fresh = path.join(data, 'fresh.rec');
    ok(runBin('rec', ['merge', fresh, tr, va]));
    assert.deepEqual(ids(fresh), ids(both).length ? [...ids(tr), ...ids(va)] : []);
    assert.deepEqual(tempsIn(data), []);
  });

  test('rec shuffle, split, subset, index and view refuse an existing output before any work; --force replaces it', async () => {
    const { data, photos } = await workspace();
    ok(runBin('im2rec', [path.join(data, 'train'), photos, '--pass-through', '-q']));
    const all = path.join(data, 'train.rec');
    const [tr, va] = [path.join(data, 'tr.rec'), path.join(data, 'va.rec')];
    ok(runBin('rec', ['split', all, tr, va]));
    const kept = [tr, va, path.join(data, 'tr.idx'), path.join(data, 'va.idx')];
    const before = snapshot(kept);

    refused(runBin('rec', ['shuffle', va, tr]), tr);
    refused(runBin('rec', ['shuffle', va, '-o', tr]), tr);
    refused(runBin('rec', ['split', all, tr, va]), tr);
    // Checked before any work: the first output is not written when the second exists.
    const fresh = path.join(data, 'fresh.rec');
    refused(runBin('rec', ['split', all, fresh, va]), va);
    assert.equal(fs.existsSync(fresh), false);
    refused(runBin('rec', ['subset', all, '-o', tr, '--labels', '0']), tr);
    refused(runBin('rec', ['split', all, fresh, fresh]), fresh, /named twice/);
    refused(runBin('rec', ['index', all]), path.join(data, 'train.idx'));
    assert.deepEqual(snapshot(kept), before);

    const sheet = path.join(data, 'sheet.png');
    ok(runBin('rec', ['view', all, '--out', sheet, '-n', '4']));
    fs.writeFileSync(sheet, 'my own picture');
    refused(runBin('rec', ['view', all, '--out', sheet, '-n', '4']), sheet);
    assert.equal(fs.readFileSync(sheet, 'utf8'), 'my own picture');
    ok(runBin('rec', ['view', all, '--out', sheet, '-n', '4', '--force']));
    assert.notEqual(fs.readFileSync(sheet, 'utf8'), 'my own picture');

    ok(runBin('rec', ['shuffle', va, '-o', tr, '--force', '--seed', '3']));
    assert.deepEqual([...ids(tr)].sort(), [...ids(va)].sort());
    ok(runBin('rec', ['index', all, '--force']));
    assert.deepEqual(tempsIn(data), []);
  });

  test('im2rec: lists, the label map, .rec, .idx and the skip report are not replaced without --force', async () => {
    const { data, photos } = await workspace();
    const prefix = path.join(data, 'train');
    const lists = [`${prefix}.lst`, `${prefix}.labels.txt`];
    const listed = snapshot(lists);
    refused(runBin('im2rec', [prefix, photos, '--list', '--recursive']), `${prefix}.lst`);
    assert.deepEqual(snapshot(lists), listed);
    ok(runBin('im2rec', [prefix, photos, '--list', '--recursive', '--force', '-q']));

    ok(runBin('im2rec', [prefix, photos, '--resize', '32', '-q']));
    const packed = [`${prefix}.rec`, `${prefix}.idx`];
    const before = snapshot(packed);
    // Re-running without --resize would have replaced the 32-pixel pack.
    refused(runBin('im2rec', [prefix, photos]), `${prefix}.rec`);
    refused(runBin('im2rec', [`${prefix}.lst`, photos, `${prefix}.rec`, 'resize=40']), `${prefix}.rec`);
    assert.deepEqual(snapshot(packed), before);
    ok(runBin('im2rec', [prefix, photos, '--force', '-q']));
    assert.notDeepEqual(snapshot(packed), before);

    // A skip report left by another run is an output too.
    const other = path.join(data, 'other');
    fs.copyFileSync(`${prefix}.lst`, `${other}.lst`);
    fs.writeFileSync(`${other}.skipped.tsv`, 'notes of mine\n');
    refused(runBin('im2rec', [other, photos]), `${other}.skipped.tsv`);
    assert.equal(fs.existsSync(`${other}.rec`), false);

    // Several lists: all outputs are checked before the first list is packed.
    fs.copyFileSync(`${prefix}.lst`, path.join(data, 'b_1.lst'));
    fs.copyFileSync(`${prefix}.lst`, path.join(data, 'b_2.lst'));
    fs.writeFileSync(path.join(data, 'b_2.rec'), 'precious');
    refused(runBin('im2rec', [path.join(data, 'b_'), photos]), path.join(data, 'b_2.rec'));
    assert.equal(fs.existsSync(path.join(data, 'b_1.rec')), false);
    assert.equal(fs.readFileSync(path.join(data, 'b_2.rec'), 'utf8'), 'precious');
  });
});

describe('2. a pack that writes nothing fails, publishes nothing and keeps what was there', () => {
  test('a wrong ROOT: exit 1 naming the first missing image and asking about ROOT; an existing pack is untouched', async () => {
    const { data, photos } = await workspace();
    const prefix = path.join(data, 'train');
    const res = runBin('im2rec', [prefix, path.join(photos, 'cat'), '--resize', '32']);
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr.trim().split('\n').at(-1)!, /no image was packed: all 12 images are missing .*photos\/cat\/(cat|dog)\/\d\.jpg.*is ROOT .*photos\/cat.* right\?/);
    assert.deepEqual(fs.readdirSync(data).sort(), ['train.labels.txt', 'train.lst']);

    ok(runBin('im2rec', [prefix, photos, '--resize', '32', '-q']));
    const before = snapshot([`${prefix}.rec`, `${prefix}.idx`]);
    const again = runBin('im2rec', [prefix, path.join(photos, 'cat'), '--resize', '32', '--force']);
    assert.equal(again.status, 1, again.stderr);
    assert.deepEqual(snapshot([`${prefix}.rec`, `${prefix}.idx`]), before);
    assert.deepEqual(tempsIn(data), []);
  });

  test('im2rec.cc form on a 4-label list without label_width: exit 1 suggesting label_width=4', async () => {
    const { data, photos } = await workspace();
    const lines = fs.readFileSync(path.join(data, 'train.lst'), 'utf8').trim().split('\n');
    const four = lines.map((l) => { const [i, , p] = l.split('\t'); return `${i} 1 0 1 0 ${p}`; });
    fs.writeFileSync(path.join(data, 'attrs.lst'), `${four.join('\n')}\n`);
    const out = path.join(data, 'attrs.rec');
    const res = runBin('im2rec', [path.join(data, 'attrs.lst'), `${photos}/`, out, 'resize=32']);
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /label_width=4/);
    assert.equal(fs.existsSync(out), false);
    ok(runBin('im2rec', [path.join(data, 'attrs.lst'), `${photos}/`, out, 'resize=32', 'label_width=4', '-q']));
    assert.equal(ids(out).length, 12);
  });

  test('more than a tenth of the list skipped: exit 0, and the end of the output says so', async () => {
    const { data, photos } = await workspace();
    for (const n of [0, 1]) fs.writeFileSync(path.join(photos, 'cat', `${n}.jpg`), 'not a picture');
    const res = runBin('im2rec', [path.join(data, 'train'), photos, '--quiet']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr.trim().split('\n').at(-1)!, /warning: 2 of 12 images \(17%\) were skipped; they are listed in .*train\.skipped\.tsv/);
  });

  test('im2rec --list on a folder without images and rec subset matching nothing fail, writing nothing', async () => {
    const { data, photos } = await workspace();
    const empty = path.join(data, '..', 'empty');
    fs.mkdirSync(path.join(empty, 'sub'), { recursive: true });
    const res = runBin('im2rec', [path.join(data, 'none'), empty, '--list']);
    assert.equal(res.status, 1, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /no image files .* --recursive/);
    assert.equal(fs.existsSync(path.join(data, 'none.lst')), false);

    ok(runBin('im2rec', [path.join(data, 'train'), photos, '--pass-through', '-q']));
    const sub = runBin('rec', ['subset', path.join(data, 'train.rec'), '-o', path.join(data, 'sub.rec'), '--labels', '7']);
    assert.equal(sub.status, 1, sub.stderr);
    assert.ok(isOneLineError(sub.stderr), sub.stderr);
    assert.match(sub.stderr, /no record .*nothing written/);
    assert.equal(fs.existsSync(path.join(data, 'sub.rec')), false);
  });
});

describe('3. no name a run writes through is followed when a symlink is planted there', () => {
  test('a symlink at OUT.rec.partial, its journal or OUT.rec.lock: the file it points to is never written', async () => {
    const { data, photos } = await workspace();
    const out = path.join(data, 'train.rec');
    const planted = [...Object.values(partialPaths(out)), lockPathFor(out)];
    assert.equal(planted.length, 3);
    for (const name of planted) {
      const victim = path.join(data, 'victim.txt');
      fs.writeFileSync(victim, 'precious');
      fs.symlinkSync(victim, name);
      for (const extra of [[], ['--resume']]) {
        const res = runBin('im2rec', [path.join(data, 'train'), photos, '--resize', '32', ...extra]);
        assert.equal(res.status, 2, `${path.basename(name)} ${extra}: ${res.stderr}`);
        assert.ok(isOneLineError(res.stderr), res.stderr);
        assert.ok(res.stderr.includes(path.basename(name)), res.stderr);
        assert.equal(fs.readFileSync(victim, 'utf8'), 'precious', `through ${path.basename(name)}`);
        assert.equal(fs.existsSync(out), false);
      }
      if (name !== lockPathFor(out)) {
        // --force starts over: the link is removed, never followed.
        ok(runBin('im2rec', [path.join(data, 'train'), photos, '--resize', '32', '--force', '-q']));
        assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
        assert.equal(ids(out).length, 12);
        fs.rmSync(out);
        fs.rmSync(path.join(data, 'train.idx'));
      }
      fs.rmSync(name, { force: true });
    }
  });

  test('a FIFO planted at OUT.rec.partial or OUT.rec.lock is refused, not waited on', async () => {
    const { data, photos } = await workspace();
    const out = path.join(data, 'train.rec');
    for (const [name, extra] of [[partialPaths(out).partial, ['--resume']], [partialPaths(out).journal, ['--resume']], [lockPathFor(out), []]] as const) {
      assert.equal(spawnSync('mkfifo', [name]).status, 0);
      const res = spawnSync(process.execPath, [path.join(binDir, 'im2rec.cjs'), path.join(data, 'train'), photos, ...extra], { encoding: 'utf8', timeout: 20_000 });
      refused({ status: res.status, stderr: res.stderr }, path.basename(name), /not a regular file|missing/);
      fs.rmSync(name);
    }
  });

  test('rec split, merge, subset, shuffle, index, view, unpack and im2rec --list: a link planted at their lock', async () => {
    const { dir, data, photos } = await workspace();
    ok(runBin('im2rec', [path.join(data, 'train'), photos, '--pass-through', '-q']));
    const rec = path.join(data, 'train.rec');
    const out = (name: string) => path.join(dir, name);
    const cases: [string[], string][] = [
      [['rec', 'split', rec, out('s1.rec'), out('s2.rec')], lockPathFor(out('s1.rec'))],
      [['rec', 'merge', '-o', out('m.rec'), rec], lockPathFor(out('m.rec'))],
      [['rec', 'subset', rec, '-o', out('sub.rec'), '--labels', '0'], lockPathFor(out('sub.rec'))],
      [['rec', 'shuffle', rec, '-o', out('sh.rec')], lockPathFor(out('sh.rec'))],
      [['rec', 'index', rec, '-o', out('i.idx')], lockPathFor(out('i.idx'))],
      [['rec', 'view', rec, '-o', out('v.png'), '-n', '2'], lockPathFor(out('v.png'))],
      [['rec', 'unpack', rec, out('u')], path.join(out('u'), '.unpack.lock')],
      [['im2rec', out('l'), photos, '--list', '--recursive'], lockPathFor(out('l.lst'))],
    ];
    const victim = out('victim.txt');
    for (const [[bin, ...args], planted] of cases) {
      fs.writeFileSync(victim, 'precious');
      fs.mkdirSync(path.dirname(planted), { recursive: true });
      fs.symlinkSync(victim, planted);
      refused(runBin(bin as 'rec' | 'im2rec', args), path.basename(planted), /a symbolic link, not a lock/);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'precious', args.join(' '));
      fs.rmSync(planted);
      ok(runBin(bin as 'rec' | 'im2rec', args)); // without it the command works
      assert.equal(fs.existsSync(planted), false, 'the lock goes with its run');
    }
  });
});

/**
 * Starts a long pack (the photos listed 250 times) and stops it with SIGINT or
 * SIGKILL once records are kept. With `shortListFirst`, PREFIX-a.lst (the 12
 * photos, sorted before PREFIX.lst) is packed first, in the same run.
 */
async function interruptedPack(signal: NodeJS.Signals, shortListFirst = false): Promise<{ data: string; photos: string; prefix: string }> {
  const { data, photos } = await workspace();
  const prefix = path.join(data, 'long');
  if (shortListFirst) fs.copyFileSync(path.join(data, 'train.lst'), `${prefix}-a.lst`);
  const lines = fs.readFileSync(path.join(data, 'train.lst'), 'utf8').trim().split('\n');
  const many = Array.from({ length: 250 }, (_, k) => lines.map((l) => l.replace(/^\d+/, (n) => String(Number(n) + 100 * k)))).flat();
  fs.writeFileSync(`${prefix}.lst`, `${many.join('\n')}\n`);
  const child = spawn(process.execPath, [path.join(binDir, 'im2rec.cjs'), prefix, photos, '--resize', '64', '--num-thread', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b) => (stderr += b));
  const { partial } = partialPaths(`${prefix}.rec`);
  await waitFor(() => fs.existsSync(partial) && fs.statSync(partial).size > 0, 'the partial output to hold records');
  child.kill(signal);
  const code = await exited(child);
  if (signal === 'SIGINT') assert.equal(code, 130, stderr);
  assert.equal(fs.existsSync(`${prefix}.rec`), false, 'the pack was stopped before it ended');
  return { data, photos, prefix };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `ready` holds; fails (instead of hanging) after 30 s. */
async function waitFor(ready: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 30_000; !ready(); await sleep(10)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
  }
}
const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

describe('4. two runs on one output', () => {
  test('started together: one packs, the other is refused at once naming the holder; the result verifies', async () => {
    const { data, photos } = await workspace();
    const prefix = path.join(data, 'train');
    const [a, b] = await Promise.all([0, 1].map(() => runBinAsync('im2rec', [prefix, photos, '--resize', '48', '-q'])));
    const results = [a!, b!].sort((x, y) => (x.status ?? 9) - (y.status ?? 9));
    assert.deepEqual(results.map((r) => r.status), [0, 2], results.map((r) => r.stderr).join('\n'));
    assert.ok(isOneLineError(results[1]!.stderr), results[1]!.stderr);
    // Refused by the lock (the holder named) or, if the first had already finished, by the existing output.
    assert.match(results[1]!.stderr, new RegExp(`another run is writing it \\(pid \\d+ on ${os.hostname()}|already exists`));
    const verify = runBin('rec', ['verify', `${prefix}.rec`]);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.equal(ids(`${prefix}.rec`).length, 12);
    assert.deepEqual(tempsIn(data), []);
  });

  test('while one run packs, a second is refused at once with its pid and host', async () => {
    const { data, photos } = await workspace();
    const prefix = path.join(data, 'long');
    const lines = fs.readFileSync(path.join(data, 'train.lst'), 'utf8').trim().split('\n');
    fs.writeFileSync(`${prefix}.lst`, `${Array.from({ length: 150 }, (_, k) => lines.map((l) => l.replace(/^\d+/, (n) => String(Number(n) + 100 * k)))).flat().join('\n')}\n`);
    const first = spawn(process.execPath, [path.join(binDir, 'im2rec.cjs'), prefix, photos, '--resize', '64', '--num-thread', '1', '-q'], { stdio: 'ignore' });
    const lock = lockPathFor(`${prefix}.rec`);
    // The lock is taken for a moment by the check before packing, then for the pack itself, which
    // writes OUT.rec.partial: wait for both, so the first is held still inside its pack.
    await waitFor(() => fs.existsSync(lock) && fs.existsSync(`${prefix}.rec.partial`), 'the first run to take its lock and start packing');
    // Held still while the second runs, so that a loaded machine cannot let the first finish first.
    first.kill('SIGSTOP');
    assert.ok(fs.existsSync(lock), 'the first run holds its lock');
    const second = runBin('im2rec', [prefix, photos, '--resize', '64', '--force']);
    first.kill('SIGCONT');
    refused(second, `${prefix}.rec`, new RegExp(`another run is writing it \\(pid ${first.pid} on ${os.hostname()}`));
    assert.equal(await exited(first), 0);
    assert.equal(fs.existsSync(lock), false, 'the lock goes with its run');
    assert.equal(runBin('rec', ['verify', `${prefix}.rec`]).status, 0);
  });

  test('a lock left by a run that was killed does not block the next one', async () => {
    const { prefix } = await interruptedPack('SIGKILL');
    assert.ok(fs.existsSync(lockPathFor(`${prefix}.rec`)), 'a killed run cannot remove its lock');
    const res = runBin('im2rec', [prefix, path.join(path.dirname(prefix), '..', 'photos'), '--resize', '64', '--resume', '-q']);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(ids(`${prefix}.rec`).length, 3000);
    assert.equal(fs.existsSync(lockPathFor(`${prefix}.rec`)), false);
  });
});

describe('5. rec unpack writes only inside OUTDIR, and only once its arguments fit the data', () => {
  test('--lst is a file name inside OUTDIR, nothing else', async () => {
    const { dir, data, photos } = await workspace();
    ok(runBin('im2rec', [path.join(data, 'train'), photos, '--pass-through', '-q']));
    const outside = path.join(dir, 'x');
    fs.writeFileSync(outside, 'mine');
    for (const name of ['../x', `${dir}/x`, 'sub/x.lst', '..', '.']) {
      const out = path.join(dir, `out-${name.length}`);
      const res = runBin('rec', ['unpack', path.join(data, 'train.rec'), out, '--lst', name]);
      assert.equal(res.status, 2, `${name}: ${res.stderr}`);
      assert.ok(isOneLineError(res.stderr), res.stderr);
      assert.match(res.stderr, /--lst: expected a file name inside OUTDIR/);
      assert.equal(fs.existsSync(out), false, 'nothing written');
    }
    assert.equal(fs.readFileSync(outside, 'utf8'), 'mine');
  });

  test('--force never writes through a link planted under OUTDIR: a folder link is refused, nothing lands outside', async () => {
    const { dir, data, photos } = await workspace();
    ok(runBin('im2rec', [path.join(data, 'train'), photos, '--pass-through', '-q']));
    const rec = path.join(data, 'train.rec');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(outside);
    const nested = path.join(dir, 'nested.txt');
    fs.writeFileSync(nested, 'cat/small\ndog\n'); // label 0's folder is OUTDIR/cat/small
    const cases: [string, string[], string][] = [
      // [OUTDIR, extra arguments, the link planted in it (relative to OUTDIR), pointing outside]
      ['a', [], '0'],
      ['b', ['--names', nested], 'cat'],
      ['c', ['--names', nested], 'cat/small'],
    ];
    for (const [name, extra, link] of cases) {
      const out = path.join(dir, name);
      fs.mkdirSync(path.dirname(path.join(out, link)), { recursive: true });
      fs.symlinkSync(outside, path.join(out, link));
      refused(runBin('rec', ['unpack', rec, out, '--force', ...extra]), path.join(out, link), /symbolic link/);
      assert.deepEqual(fs.readdirSync(outside), [], `${link}: nothing written outside OUTDIR`);
      assert.ok(fs.lstatSync(path.join(out, link)).isSymbolicLink(), 'the link is left as it was');
    }
    // A planted link to a file is not written through either: the image replaces the link (--force).
    const out = path.join(dir, 'd');
    fs.mkdirSync(path.join(out, '0'), { recursive: true });
    const victim = path.join(outside, 'victim.jpg');
    fs.writeFileSync(victim, 'mine');
    fs.mkdirSync(path.join(out, '1'));
    for (const id of ids(rec)) for (const label of ['0', '1']) fs.symlinkSync(victim, path.join(out, label, `${id}.jpg`));
    ok(runBin('rec', ['unpack', rec, out, '--force']));
    assert.equal(fs.readFileSync(victim, 'utf8'), 'mine');
  });

  test('--names with too few names: refused before the first image is written, so a re-run works', async () => {
    const { dir, data, photos } = await workspace();
    ok(runBin('im2rec', [path.join(data, 'train'), photos, '--pass-through', '--no-shuffle', '-q']));
    fs.writeFileSync(path.join(dir, 'one.txt'), 'cat\n');
    const out = path.join(dir, 'unpacked');
    const res = runBin('rec', ['unpack', path.join(data, 'train.rec'), out, '--names', path.join(dir, 'one.txt')]);
    assert.equal(res.status, 2, res.stderr);
    assert.ok(isOneLineError(res.stderr), res.stderr);
    assert.match(res.stderr, /label 1 has no name/);
    assert.ok(!fs.existsSync(out) || fs.readdirSync(out).length === 0, 'no image written');
    fs.writeFileSync(path.join(dir, 'two.txt'), 'cat\ndog\n');
    ok(runBin('rec', ['unpack', path.join(data, 'train.rec'), out, '--names', path.join(dir, 'two.txt')]));
    assert.deepEqual(fs.readdirSync(out).sort(), ['cat', 'dog']);
    // A folder that is not empty needs --force, which replaces same-named files only.
    fs.writeFileSync(path.join(out, 'mine.txt'), 'mine');
    refused(runBin('rec', ['unpack', path.join(data, 'train.rec'), out]), out);
    ok(runBin('rec', ['unpack', path.join(data, 'train.rec'), out, '--names', path.join(dir, 'two.txt'), '--force']));
    assert.equal(fs.readFileSync(path.join(out, 'mine.txt'), 'utf8'), 'mine');
    assert.deepEqual(fs.readdirSync(path.join(out, 'cat')).length, 6);
  });
});

describe('6. --resume continues only the same work', () => {
  test('images changed since they were packed: refused, naming the file', async () => {
    const { data, photos, prefix } = await interruptedPack('SIGINT');
    await photoFolder(path.dirname(photos), { width: 100, height: 70 }, 99); // every image redrawn
    const res = runBin('im2rec', [prefix, photos, '--resize', '64', '--resume']);
    refused(res, 'photos/', /changed since .*--force/);
    assert.match(res.stderr, /photos\/(cat|dog)\/\d\.jpg/);
    assert.ok(fs.existsSync(partialPaths(`${prefix}.rec`).partial), 'the partial is kept');
    assert.equal(fs.existsSync(`${prefix}.rec`), false);
    void data;
  });

  test('the list changed (labels edited, size and mtime kept): refused', async () => {
    const { photos, prefix } = await interruptedPack('SIGINT');
    const list = `${prefix}.lst`;
    const st = fs.statSync(list);
    const text = fs.readFileSync(list, 'utf8');
    const edited = text.replace(/\t0\.000000\t/g, '\t5.000000\t');
    assert.equal(edited.length, text.length);
    fs.writeFileSync(list, edited);
    fs.utimesSync(list, st.atime, st.mtime);
    const res = runBin('im2rec', [prefix, photos, '--resize', '64', '--resume']);
    refused(res, 'long.rec.partial', /another list or other settings/);
  });

  test('an interrupted run\'s partial is not dropped by a run without --resume; --force starts over, saying so', async () => {
    const { photos, prefix } = await interruptedPack('SIGINT');
    const { partial } = partialPaths(`${prefix}.rec`);
    const kept = fs.readFileSync(partial);
    refused(runBin('im2rec', [prefix, photos, '--resize', '64']), partial, /--resume.*--force|--force.*--resume/);
    assert.ok(fs.readFileSync(partial).equals(kept));
    const res = runBin('im2rec', [prefix, photos, '--resize', '64', '--force']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /replacing .*long\.rec\.partial/);
    assert.equal(ids(`${prefix}.rec`).length, 3000);
  });

  test('several lists: --resume passes over the one packed before the interruption and finishes the other', async () => {
    const { photos, prefix } = await interruptedPack('SIGINT', true);
    const first = snapshot([`${prefix}-a.rec`, `${prefix}-a.idx`]);
    assert.ok(first.every((f) => f !== null), 'the first list was packed before the interruption');
    const res = runBin('im2rec', [prefix, photos, '--resize', '64', '--resume']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /--resume: .*long-a\.rec is complete already; passed over \(--force packs it again\)/);
    assert.match(res.stderr, /continued an interrupted run after its first \d+ list items/);
    assert.deepEqual(snapshot([`${prefix}-a.rec`, `${prefix}-a.idx`]), first);
    assert.equal(ids(`${prefix}.rec`).length, 3000);
  });

  test('--resume with nothing to resume says so, and packs from the start', async () => {
    const { data, photos } = await workspace();
    const res = runBin('im2rec', [path.join(data, 'train'), photos, '--resume']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /--resume: no interrupted run to continue for .*train\.rec; packing from the start/);
    assert.equal(ids(path.join(data, 'train.rec')).length, 12);
  });
});

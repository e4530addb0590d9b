// SIGINT and SIGTERM (issue 34, item 5): every command that writes, stopped by
// a real signal while it works, exits 130 or 143 and leaves nothing behind (no
// temporary file, no lock, no output); a run killed outright (SIGKILL) cannot
// clean up, so the next run on the same output removes what it left, and only
// that.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isOneLineError, runBin } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const binDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin');
const work = tempDir('mxrec-signals-');
const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * A .rec of `count` records of `size` zero bytes each (so the image header of
 * each is id 0, label 0), sparse: made at once whatever its size, and read
 * from the page cache.
 */
function sparseRec(file: string, count: number, size: number): string {
  const fd = fs.openSync(file, 'w');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0xced7230a, 0);
  head.writeUInt32LE(size, 4);
  const span = 8 + ((size + 3) & ~3);
  for (let i = 0; i < count; i++) fs.writeSync(fd, head, 0, 8, i * span);
  fs.ftruncateSync(fd, count * span);
  fs.closeSync(fd);
  return file;
}

/** A .rec of `count` small image records (id i, label 0, 4 bytes that are no image): many records, few bytes. */
function manyRecords(file: string, count: number): string {
  const length = 24 + 4;
  const span = 8 + length;
  const bytes = Buffer.alloc(span * count);
  for (let i = 0; i < count; i++) {
    bytes.writeUInt32LE(0xced7230a, i * span);
    bytes.writeUInt32LE(length, i * span + 4);
    bytes.writeBigUInt64LE(BigInt(i), i * span + 16);
  }
  fs.writeFileSync(file, bytes);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `ready` holds; fails (instead of hanging) after 30 s. */
async function waitFor(ready: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 30_000; !ready(); await sleep(5)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
  }
}

function start(bin: 'rec' | 'im2rec', args: string[], cwd: string): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(binDir, `${bin}.cjs`), ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b) => (stderr += b));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, stderr: () => stderr, exit };
}

/** Names in `dir` (recursively) that a run leaves only when it did not clean up. */
function leftovers(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((n) => /\.tmp-|\.lock$/.test(path.basename(n))).sort();
}

/** A temporary file of this run's outputs holding at least `bytes`. */
const tempHolds = (dir: string, bytes: number) => () => fs.readdirSync(dir).some((n) => n.includes('.tmp-') && fs.statSync(path.join(dir, n), { throwIfNoEntry: false })!?.size >= bytes);

/**
 * Runs the command in a fresh folder, sends `signal` once `when` holds, and
 * checks the exit code, the one-line message and that the folder holds
 * nothing but the inputs, and what `mayStay` names (unpack's images written
 * before the signal).
 */
async function stopped(
  signal: 'SIGINT' | 'SIGTERM',
  bin: 'rec' | 'im2rec',
  args: string[],
  setup: (dir: string) => void,
  when: (dir: string) => () => boolean,
  mayStay: string[] = [],
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(work, `${args[0]}-`));
  setup(dir);
  const inputs = fs.readdirSync(dir).sort();
  const run = start(bin, args, dir);
  await waitFor(when(dir), `${bin} ${args.join(' ')} to be under way`);
  run.child.kill(signal);
  const code = await run.exit;
  assert.equal(code, EXIT[signal], `${args.join(' ')}: ${run.stderr()}`);
  assert.ok(isOneLineError(run.stderr()), run.stderr());
  assert.match(run.stderr(), new RegExp(`^${bin}( ${args[0]})?: interrupted by ${signal}`));
  assert.deepEqual(leftovers(dir), [], `${bin} ${args.join(' ')}: ${signal} leaves nothing behind`);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => !mayStay.includes(n)).sort(), inputs, 'no output appears');
  return dir;
}

const bigInput = (dir: string) => void sparseRec(path.join(dir, 'in.rec'), 250, 4 << 20); // 1 GB of records
const lockExists = (name: string) => (dir: string) => () => fs.existsSync(path.join(dir, name));

describe('a writing command stopped by SIGINT or SIGTERM exits 130 or 143 and leaves nothing behind', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`rec merge, shuffle, split and subset, ${signal} while the temporary files fill`, async () => {
      const writing = (dir: string) => tempHolds(dir, 8 << 20);
      await stopped(signal, 'rec', ['merge', '-o', 'm.rec', 'in.rec', 'in.rec', '--renumber', '-q'], bigInput, writing);
      await stopped(signal, 'rec', ['shuffle', 'in.rec', '-o', 's.rec', '-q'], bigInput, writing);
      await stopped(signal, 'rec', ['split', 'in.rec', 'a.rec', 'b.rec', '-q'], bigInput, writing);
      await stopped(signal, 'rec', ['subset', 'in.rec', '-o', 'sub.rec', '--labels', '0', '-q'], bigInput, writing);
    });

    test(`rec index, unpack and view, ${signal} during their scan`, async () => {
      const many = (dir: string) => void manyRecords(path.join(dir, 'in.rec'), 3_000_000);
      await stopped(signal, 'rec', ['index', 'in.rec'], many, lockExists('in.idx.lock'));
      const unpacked = await stopped(signal, 'rec', ['unpack', 'in.rec', 'out', '--lst', '-q'], many, (dir) => () => fs.existsSync(path.join(dir, 'out', '0')), ['out']);
      assert.deepEqual(fs.readdirSync(path.join(unpacked, 'out')), ['0'], 'the images unpacked so far stay; the list does not appear');
      await stopped(signal, 'rec', ['view', 'in.rec', '--per-class', '2', '-o', 'v.png', '-q'], many, lockExists('v.png.lock'));
    });

    test(`im2rec --list, ${signal} during the walk`, async () => {
      const images = (dir: string) => {
        for (let d = 0; d < 30; d++) {
          fs.mkdirSync(path.join(dir, 'images', `c${d}`), { recursive: true });
          for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(dir, 'images', `c${d}`, `${i}.jpg`), '');
        }
      };
      await stopped(signal, 'im2rec', ['l', 'images', '--list', '--recursive', '-q'], images, lockExists('l.lst.lock'));
    });
  }
});

describe('a run killed outright: the next run on the output removes what it left, and nothing else', () => {
  test('rec merge after a SIGKILL: the stale lock and temporaries go; a live run\'s and files not of this form stay', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'killed-'));
    bigInput(dir);
    const run = start('rec', ['merge', '-o', 'm.rec', 'in.rec', 'in.rec', '--renumber', '-q'], dir);
    await waitFor(tempHolds(dir, 8 << 20), 'the merge to be writing');
    run.child.kill('SIGKILL');
    await run.exit;
    const left = leftovers(dir);
    const pid = run.child.pid!;
    assert.deepEqual(left.map((n) => n.replace(/-[0-9a-f]{12}$/, '')), [`.m.idx.tmp-${pid}`, `.m.rec.tmp-${pid}`, 'm.rec.lock'], 'a killed run cannot clean up');
    // Not to be touched: a temporary of a live process (this one), names that are not a temporary
    // of mxrec's, a temporary of another output, and a link of the dead run's form.
    const keep = [`.m.rec.tmp-${process.pid}-aaaaaaaaaaaa`, `.m.rec.tmp-${pid}-notours`, `m.rec.tmp-${pid}-aaaaaaaaaaaa`, `.other.rec.tmp-${pid}-aaaaaaaaaaaa`];
    for (const name of keep) fs.writeFileSync(path.join(dir, name), 'not stale');
    fs.symlinkSync('in.rec', path.join(dir, `.m.rec.tmp-${pid}-bbbbbbbbbbbb`));
    keep.push(`.m.rec.tmp-${pid}-bbbbbbbbbbbb`);
    // A small merge this time: it runs to the end.
    sparseRec(path.join(dir, 'small.rec'), 3, 1000);
    const res = runBin('rec', ['merge', '-o', 'm.rec', 'small.rec', '-q'], { cwd: dir });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(fs.readdirSync(dir).sort(), [...keep, 'in.rec', 'm.idx', 'm.rec', 'small.rec'].sort());
    assert.ok(fs.lstatSync(path.join(dir, `.m.rec.tmp-${pid}-bbbbbbbbbbbb`)).isSymbolicLink());
    assert.equal(fs.statSync(path.join(dir, 'in.rec')).size, 250 * (8 + (4 << 20)), 'the link\'s target is untouched');
  });

  test('rec unpack after a run that died: its temporaries in OUTDIR and its folders go, with its lock', () => {
    const dir = fs.mkdtempSync(path.join(work, 'unpack-died-'));
    const rec = manyRecords(path.join(dir, 'in.rec'), 10);
    // The lock and temporaries of a run that is gone (a process that has exited), as a kill leaves them.
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const out = path.join(dir, 'out');
    fs.mkdirSync(path.join(out, '0'), { recursive: true });
    fs.writeFileSync(path.join(out, '.unpack.lock'), `${JSON.stringify({ pid: gone, host: os.hostname(), since: new Date().toISOString(), procStart: null, token: 'dead' })}\n`);
    const stale = [path.join(out, `.in.lst.tmp-${gone}-0123456789ab`), path.join(out, '0', `.7.bin.tmp-${gone}-ba9876543210`)];
    for (const file of stale) fs.writeFileSync(file, 'half');
    const mine = path.join(out, '0', 'notes.txt');
    fs.writeFileSync(mine, 'mine');
    const res = runBin('rec', ['unpack', rec, out, '--lst', '--force', '-q'], { cwd: dir });
    assert.equal(res.status, 0, res.stderr);
    for (const file of stale) assert.equal(fs.existsSync(file), false, `${file} removed`);
    assert.equal(fs.readFileSync(mine, 'utf8'), 'mine');
    assert.deepEqual(leftovers(out), []);
    assert.equal(fs.readdirSync(path.join(out, '0')).length, 11, 'the ten images and notes.txt');
  });
});

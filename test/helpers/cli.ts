import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the package's bins (bin/<name>.cjs, which loads the built dist/). */
export function runBin(name: 'rec' | 'im2rec', args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const res = spawnSync(process.execPath, [path.join(root, 'bin', `${name}.cjs`), ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    maxBuffer: 1 << 28,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A user-facing error: exactly one line on stderr, no stack trace. */
export function isOneLineError(stderr: string): boolean {
  return /^[^\n]+\n$/.test(stderr) && !/\n\s+at /.test(stderr);
}

/** runBin without blocking this process (for tests whose server runs in it). */
export function runBinAsync(name: 'rec' | 'im2rec', args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const env = { ...process.env, ...options.env };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin', `${name}.cjs`), ...args], { cwd: options.cwd ?? root, env, maxBuffer: 1 << 28, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

export interface MeasuredResult extends CliResult {
  /** Peak resident memory of the process, in MiB (NaN if it was killed before it could say). */
  peakRssMiB: number;
  seconds: number;
}

/**
 * runBinAsync, also measuring the process's peak RSS (written at exit by
 * test/helpers/peak-rss.mjs) and wall time; `timeoutMs` kills it (status null).
 */
export async function runBinMeasured(
  name: 'rec' | 'im2rec',
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; input?: 'ignore' } = {},
): Promise<MeasuredResult> {
  const rssFile = path.join(os.tmpdir(), `mxrec-rss-${process.pid}-${Math.random().toString(16).slice(2)}`);
  const env = { ...process.env, ...options.env, MXREC_TEST_RSS_FILE: rssFile };
  const started = performance.now();
  const hook = path.join(root, 'test/helpers/peak-rss.mjs');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', hook, path.join(root, 'bin', `${name}.cjs`), ...args],
      { cwd: options.cwd ?? root, env, maxBuffer: 1 << 28, encoding: 'utf8', timeout: options.timeoutMs ?? 0 },
      (err, stdout, stderr) => {
        const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        let peakRssMiB = NaN;
        try {
          peakRssMiB = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
          fs.rmSync(rssFile);
        } catch {
          // killed before its exit hook ran
        }
        resolve({ status, stdout, stderr, peakRssMiB, seconds: (performance.now() - started) / 1000 });
      },
    );
  });
}

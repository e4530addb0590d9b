import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the package's bins (bin/<name>.js, which loads the built dist/). */
export function runBin(name: 'rec' | 'im2rec', args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const res = spawnSync(process.execPath, [path.join(root, 'bin', `${name}.js`), ...args], {
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
    execFile(process.execPath, [path.join(root, 'bin', `${name}.js`), ...args], { cwd: options.cwd ?? root, env, maxBuffer: 1 << 28, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

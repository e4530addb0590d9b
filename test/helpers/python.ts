/**
 * Debian's python3 with PIL (python3-pil, which .ci/run installs), the
 * reader the WebDataset tests check exports with: Python's own tarfile and
 * PIL, not mxrec's code. Without them the tests skip locally and fail under
 * CI, so they cannot pass by not running.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export function skipWithoutPythonPil(): { skip?: string } {
  if (spawnSync(PYTHON, ['-c', 'import PIL, tarfile, json']).status === 0) return {};
  const reason = 'python3 with PIL is not installed (.ci/run installs it: apt-get install -y python3-pil)';
  if (process.env.CI) throw new Error(`CI must run the Python reader tests: ${reason}`);
  return { skip: reason };
}

/** Runs a Python program with arguments; its stdout, or a thrown error with its stderr. */
export function runPython(program: string, args: string[]): string {
  const res = spawnSync(PYTHON, ['-c', program, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (res.status !== 0) throw new Error(`python3 failed (${res.status}): ${res.stderr}`);
  return res.stdout;
}

/**
 * Builds and runs test/conformance/dmlc-harness.cc, a thin wrapper around
 * Debian's libdmlc (dmlc-core, the library MXNet reads and writes RecordIO
 * with). Without g++ or libdmlc-dev the conformance tests skip locally; under
 * CI they fail instead, so they can never pass by not running.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const source = path.join(root, 'test/conformance/dmlc-harness.cc');

let built: { path: string } | { reason: string } | undefined;

/** Path of the compiled harness, or the reason it cannot be built here. */
export function dmlcHarness(): { path: string } | { reason: string } {
  if (built) return built;
  if (!fs.existsSync('/usr/include/dmlc/recordio.h')) {
    built = { reason: 'libdmlc-dev is not installed (.ci/run installs it: apt-get install -y g++ libdmlc-dev)' };
  } else {
    const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
    const exe = path.join(root, 'build', `dmlc-harness-${hash}`);
    if (!fs.existsSync(exe)) {
      fs.mkdirSync(path.dirname(exe), { recursive: true });
      const tmp = `${exe}.tmp-${process.pid}`;
      const cc = spawnSync('g++', ['-O2', '-std=c++17', '-o', tmp, source, '-ldmlc'], { encoding: 'utf8' });
      if (cc.status !== 0) throw new Error(`compiling the dmlc harness failed:\n${cc.stderr || cc.error}`);
      fs.renameSync(tmp, exe);
    }
    built = { path: exe };
  }
  if ('reason' in built && process.env.CI) throw new Error(`CI must run the dmlc conformance tests: ${built.reason}`);
  return built;
}

/** `{ skip }` option for node:test when the harness is unavailable. */
export function skipWithoutDmlc(): { skip?: string } {
  const h = dmlcHarness();
  return 'reason' in h ? { skip: h.reason } : {};
}

export function harnessPath(): string {
  const h = dmlcHarness();
  if ('reason' in h) throw new Error(h.reason);
  return h.path;
}

export function runHarness(args: string[], input?: Buffer): Buffer {
  const res = spawnSync(harnessPath(), args, { input, maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`dmlc-harness ${args.join(' ')} exited ${res.status}: ${res.stderr?.toString()}`);
  return res.stdout;
}

export function toFrames(payloads: readonly Uint8Array[]): Buffer {
  const pieces: Buffer[] = [];
  for (const p of payloads) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(p.byteLength);
    pieces.push(len, Buffer.from(p));
  }
  return Buffer.concat(pieces);
}

export function fromFrames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const len = bytes.readUInt32LE(pos);
    out.push(bytes.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return out;
}

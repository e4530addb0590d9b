/**
 * The addon's pixel loops are built for baseline x86-64 and for AVX2
 * (native/src/resize.cc), and both builds must give the same bytes. Each is
 * run in its own process (the choice is made once per process), the AVX2 one
 * where the CPU has it and MXREC_SIMD=baseline forcing the other, over the
 * same cases (test/helpers/codec-outputs.ts), and their outputs compared.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nativeStatus } from '../../src/index.js';

const helper = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/codec-outputs.ts');
const requireNative = process.env.CI === 'true' && process.env.MXREC_NO_NATIVE !== '1';
if (requireNative) assert.ok(nativeStatus.available, `native addon did not load: ${nativeStatus.reason}`);

/** The CPU's AVX2 flag as Linux reports it; null where there is no /proc/cpuinfo to ask. */
function cpuHasAvx2(): boolean | null {
  if (process.arch !== 'x64') return false; // only x86-64 builds have an AVX2 path
  let info: string;
  try {
    info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const flags = /^flags\s*:(.*)$/m.exec(info)?.[1] ?? '';
  return flags.split(/\s+/).includes('avx2');
}

interface ChildOutput {
  simd: string | null;
  hashes: Record<string, string>;
  errors: string[];
}

async function runChild(simd: string | undefined): Promise<ChildOutput> {
  const { MXREC_SIMD: _, NODE_TEST_CONTEXT: __, ...env } = process.env;
  const script = `
    import { nativeStatus } from ${JSON.stringify(path.resolve(path.dirname(helper), '../../src/index.ts'))};
    import { codecOutputHashes } from ${JSON.stringify(helper)};
    const { hashes, errors } = await codecOutputHashes();
    console.log(JSON.stringify({ simd: nativeStatus.simd, hashes, errors }));
  `;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: simd === undefined ? env : { ...env, MXREC_SIMD: simd },
      maxBuffer: 16 << 20,
    });
    return JSON.parse(stdout) as ChildOutput;
  } catch (err) {
    throw new Error(`child with MXREC_SIMD=${simd ?? '(unset)'} failed: ${(err as { stderr?: string }).stderr ?? err}`);
  }
}

test('the AVX2 and baseline builds of the pixel loops give the same bytes (transcode and decodeInto, every filter)', { skip: nativeStatus.available ? undefined : `the JPEG addon is not loaded here (${nativeStatus.reason})` }, async (t) => {
  const avx2 = cpuHasAvx2();
  const [forced, chosen] = await Promise.all([runChild('baseline'), runChild(undefined)]);
  assert.equal(forced.simd, 'baseline', 'MXREC_SIMD=baseline must choose the baseline build');
  if (avx2 !== null) assert.equal(chosen.simd, avx2 ? 'avx2' : 'baseline', `the CPU ${avx2 ? 'has' : 'lacks'} AVX2 (/proc/cpuinfo)`);

  for (const run of [forced, chosen]) assert.deepEqual(run.errors, [], `every case decodes (${run.simd})`);
  const cases = Object.keys(forced.hashes);
  assert.ok(cases.length >= 200, `${cases.length} cases`);
  assert.deepEqual(Object.keys(chosen.hashes), cases);
  const differing = cases.filter((c) => forced.hashes[c] !== chosen.hashes[c]);
  assert.deepEqual(differing, [], `${differing.length} of ${cases.length} cases differ between ${chosen.simd} and baseline`);

  if (chosen.simd !== 'avx2') {
    t.skip(`this CPU has no AVX2 (${avx2 === null ? 'no /proc/cpuinfo to ask' : 'not in /proc/cpuinfo'}): only the baseline build runs here, compared with itself`);
  }
});

/**
 * Loads one of the addons `npm ci` builds (binding.gyp -> build/Release).
 * Both are optional: a missing or broken build, or MXREC_NO_NATIVE=1, gives
 * null and the reason, and the caller takes its pure-JavaScript path.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Same relative path from src/native (tsx) and dist/native (built).
const buildDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../build/Release');

/** The addon, or null and why; `built` is false when there is no build of it at all (not a broken one). */
export function loadAddon<T>(name: string): { addon: T | null; reason: string; built: boolean } {
  const file = path.join(buildDir, `${name}.node`);
  if (process.env.MXREC_NO_NATIVE === '1') return { addon: null, reason: 'disabled by MXREC_NO_NATIVE=1', built: fs.existsSync(file) };
  try {
    return { addon: createRequire(import.meta.url)(file) as T, reason: '', built: true };
  } catch (err) {
    return { addon: null, reason: (err as Error).message.split('\n')[0]!, built: fs.existsSync(file) };
  }
}

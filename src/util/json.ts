/**
 * JSON text with bigints (record ids from 2^53) as exact integers. JSON has
 * integers of any size; JSON.stringify throws on a bigint, and a JS number
 * would round the id. Python's json and jq read these exactly.
 */
import crypto from 'node:crypto';

/**
 * Marks a bigint as a string while JSON is written or read: a control
 * character (escaped in any JSON string from data, so data cannot hold it raw)
 * and a nonce drawn once per process (so data cannot guess it either).
 */
const TAG = `\u0001${crypto.randomBytes(6).toString('hex')}:`;
const TAG_IN_TEXT = new RegExp(`"\\\\u0001${TAG.slice(1)}(-?\\d+)"`, 'g');

export function stringifyJson(value: unknown, space?: number): string {
  // Each bigint becomes a tagged string, then loses its quotes.
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${TAG}${v}` : v), space);
  return text.includes('\\u0001') ? text.replace(TAG_IN_TEXT, '$1') : text;
}

/**
 * JSON.parse, but integers beyond 2^53 come back as exact bigints (record ids
 * written by stringifyJson, or by Python's json), not rounded numbers. Number
 * tokens outside strings that are integers of 16 digits or more are turned
 * into tagged strings before parsing and back into bigints after; Node 20's
 * JSON.parse shows a reviver no source text.
 */
export function parseJson(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text); // no integer that long: nothing to keep exact
  const tag = TAG;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && /[0-9eE.+-]/.test(text[end]!)) end++;
      const token = text.slice(i, end);
      if (/^-?\d{16,}$/.test(token)) {
        out += `${text.slice(last, i)}"${JSON.stringify(tag).slice(1, -1)}${token}"`;
        last = end;
      }
      i = end - 1;
    }
  }
  if (last === 0) return JSON.parse(text);
  out += text.slice(last);
  return JSON.parse(out, (_key, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(tag)) return v;
    const big = BigInt(v.slice(tag.length));
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  });
}

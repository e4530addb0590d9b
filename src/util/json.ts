/**
 * JSON text with bigints (record ids from 2^53) as exact integers. JSON has
 * integers of any size; JSON.stringify throws on a bigint, and a JS number
 * would round the id. Python's json and jq read these exactly.
 */
import crypto from 'node:crypto';

export function stringifyJson(value: unknown, space?: number): string {
  // Each bigint becomes a string carrying a per-call nonce, then loses its quotes.
  const tag = `\u0001${crypto.randomBytes(6).toString('hex')}:`;
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${tag}${v}` : v), space);
  return text.includes('\\u0001') ? text.replace(new RegExp(`"\\\\u0001${tag.slice(1)}(\\d+)"`, 'g'), '$1') : text;
}

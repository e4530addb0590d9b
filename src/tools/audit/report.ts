/**
 * The audit's findings as data (AuditResult, also the --json output), the
 * exclusion lists they give, and the text summary.
 */
import type { RecordId } from '../../format/image-record.js';
import type { ClassSummary } from './counts.js';

export interface AuditMember {
  /** The input (as given) and its position among the inputs. */
  file: string;
  input: number;
  /** The .idx key, else the header id: what `rec subset --keys / --exclude` takes. */
  key: string;
  id: RecordId;
  label: number[];
  /** The record's byte offset in its file. */
  offset: number;
  /** Bytes of the image. */
  bytes: number;
  /** The first 128 bits of the image's SHA-256, hex: members with equal ones are byte-identical. */
  sha256: string;
}

export interface AuditGroup {
  /** 'exact': every member's image bytes are the same; 'near': some only look alike. */
  kind: 'exact' | 'near';
  /** In input order, then file order; the first is the one an exclusion list keeps. */
  members: AuditMember[];
  /** The inputs (positions) it has members in. */
  inputs: number[];
}

export interface AuditFile {
  file: string;
  /** Records holding an image. */
  images: number;
  /** Other records (insightface's header and identity records, non-image payloads). */
  otherRecords: number;
  /** Images that do not decode (still checked for exact duplicates). */
  undecodable: number;
  /** The file has insightface's layout: its classes are identities. */
  layout: boolean;
  classes: ClassSummary;
  /** Its images that an exclusion list drops (every member of a group but the first). */
  excluded: number;
}

/** Groups with members in two inputs: images of the later one that the earlier one also holds (train/val/test overlap). */
export interface AuditOverlap {
  first: string;
  second: string;
  groups: number;
  /** Members in `second` of those groups. */
  images: number;
}

export interface AuditResult {
  files: AuditFile[];
  /** Images in all the inputs. */
  images: number;
  /** Every group, exact ones first, then by size (largest first), then by where their first member is. */
  groups: AuditGroup[];
  exactGroups: number;
  nearGroups: number;
  /** Images in groups that are not their group's first. */
  redundant: number;
  /** Images byte-identical to an earlier member of their group, in exact and near groups alike (a chain of near links can join exact copies into a near group). */
  exactCopies: number;
  overlap: AuditOverlap[];
  /** The perceptual-hash distance (bits of 64) near-duplicates were searched within. */
  distance: number;
  /** How the near search went: pairs compared by hash, candidates found, confirmed by their pixels. */
  search: { compared: number; candidates: number; confirmed: number };
  /** The first images that do not decode. */
  undecodable: { file: string; offset: number; error: string }[];
  /** The exclusion lists written (one per input), or null. */
  exclude: string[] | null;
  /** The HTML page written, or null. */
  html: string | null;
  /** Members in groups whose key is also a kept member's key in the same file: left out of the exclusion lists (subset would drop both). */
  unlistable: number;
}

/**
 * Each input's keys to drop: every member of each group but the first. A key
 * that also names a member kept in the same file (header ids reused in a
 * file without .idx) is not listed: subset drops every record of a key, so
 * it would drop the kept one too.
 */
export function exclusionKeys(groups: readonly AuditGroup[], inputs: number): { keys: string[][]; unlistable: number } {
  const keys = Array.from({ length: inputs }, () => [] as string[]);
  let unlistable = 0;
  for (const group of groups) {
    const [kept, ...dropped] = group.members;
    for (const m of dropped) {
      if (m.input === kept!.input && m.key === kept!.key) unlistable += 1;
      else keys[m.input]!.push(m.key);
    }
  }
  return { keys: keys.map((k) => [...new Set(k)]), unlistable };
}

/** Overlap of each pair of inputs that share groups. */
export function overlapOf(groups: readonly AuditGroup[], files: readonly string[]): AuditOverlap[] {
  const out: AuditOverlap[] = [];
  for (let a = 0; a < files.length; a++) {
    for (let b = a + 1; b < files.length; b++) {
      let n = 0;
      let images = 0;
      for (const g of groups) {
        if (!g.inputs.includes(a) || !g.inputs.includes(b)) continue;
        n += 1;
        images += g.members.filter((m) => m.input === b).length;
      }
      if (n > 0) out.push({ first: files[a]!, second: files[b]!, groups: n, images });
    }
  }
  return out;
}

/** How many groups the text summary lists. */
export const GROUPS_LISTED = 20;

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

/** The summary, line by line. */
export function summaryLines(r: AuditResult): string[] {
  const lines: string[] = [];
  for (const f of r.files) {
    const c = f.classes;
    const other = f.otherRecords ? `, ${plural(f.otherRecords, 'other record')}` : '';
    const bad = f.undecodable ? `, ${f.undecodable} do not decode` : '';
    lines.push(`${f.file}: ${plural(f.images, 'image')}${other}${bad}${f.layout ? " (insightface's layout)" : ''}`);
    if (c.uncounted) lines.push('  classes: not counted (more than 100,000 distinct non-integer labels: a regression target?)');
    else if (c.classes > 0) {
      const unit = c.unit === 'identity' ? ['identity', 'identities'] : ['class', 'classes'];
      lines.push(
        `  ${plural(c.classes, unit[0]!, unit[1])}; images per ${unit[0]}: min ${c.min}, median ${c.median}, max ${c.max} (max/min ${c.ratio.toFixed(1)})`,
      );
      if (c.classes > 1) lines.push(`  smallest: ${c.smallest.map((s) => `label ${s.label} (${s.images})`).join(', ')}`);
    }
  }
  lines.push(
    `exact duplicates: ${plural(r.exactGroups, 'group')} (${plural(r.exactCopies, 'byte-identical copy', 'byte-identical copies')} in all groups); near-duplicates (perceptual hash within ${r.distance} bits, pixels alike): ${plural(r.nearGroups, 'group')}; ${plural(r.redundant, 'image')} beyond the first of their group`,
  );
  for (const o of r.overlap) lines.push(`overlap: ${o.second} has ${plural(o.images, 'image')} in ${plural(o.groups, 'group')} with ${o.first}`);
  for (const [i, g] of r.groups.slice(0, GROUPS_LISTED).entries()) {
    const members = g.members.map((m) => `${r.files.length > 1 ? `${m.file} ` : ''}key ${m.key} (label ${m.label.join(',')})`);
    lines.push(`  group ${i + 1} (${g.kind}, ${g.members.length}): ${members.slice(0, 6).join(', ')}${members.length > 6 ? ` and ${members.length - 6} more` : ''}`);
  }
  if (r.groups.length > GROUPS_LISTED) lines.push(`  ... and ${r.groups.length - GROUPS_LISTED} more groups (--json lists every one)`);
  for (const u of r.undecodable) lines.push(`undecodable: ${u.file} byte ${u.offset}: ${u.error}`);
  if (r.unlistable > 0) lines.push(`not listed for exclusion: ${plural(r.unlistable, 'image')} whose key is also the kept image's key in the same file`);
  if (r.exclude) lines.push(`exclusion lists: ${r.exclude.join(', ')} (rec subset FILE -o OUT --exclude LIST drops them)`);
  if (r.html) lines.push(`report page: ${r.html}`);
  return lines;
}

/**
 * The report page: index.html with the summary, a chart of images per class
 * (or identity) for each input, and a contact sheet per group, drawn as
 * `rec view` draws its sheets (view/thumbnails.ts, view/sheet.ts), each in a
 * PNG of its own beside the page (group-0001.png ...). Charts are inline
 * SVG; no script, nothing fetched: the folder opens anywhere as it is.
 */
import path from 'node:path';
import { sniffFormat } from '../../codec/sniff.js';
import { escapeHtml } from '../view/gallery.js';
import type { ViewItem } from '../view/select.js';
import { contactSheet } from '../view/sheet.js';
import { makeThumbnails } from '../view/thumbnails.js';
import type { ClassSummary } from './counts.js';
import { type AuditGroup, type AuditMember, type AuditResult, summaryLines } from './report.js';

/** Thumbnail box edge on the sheets. */
const THUMB = 112;
/** Images a group's sheet shows at most. */
export const SHEET_MEMBERS = 48;
/** Groups drawn at most (every group is in --json and the lists). */
export const DRAWN_GROUPS = 200;

/** The sheet of group `i` (0-based), beside the page. */
export function sheetName(i: number): string {
  return `group-${String(i + 1).padStart(4, '0')}.png`;
}

const CHART_W = 720;
const CHART_H = 160;

/** Bars of `values` under `title`, with the first and last bar's names below. */
function barChart(title: string, bars: { name: string; value: number }[], unit: string): string {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const w = CHART_W / Math.max(1, bars.length);
  const rects = bars
    .map((b, i) => {
      const h = Math.max(1, Math.round((b.value / max) * (CHART_H - 20)));
      return `<rect x="${(i * w).toFixed(1)}" y="${CHART_H - h}" width="${Math.max(1, w - 1).toFixed(1)}" height="${h}" fill="#79b8ff"><title>${escapeHtml(`${b.name}: ${b.value} ${unit}`)}</title></rect>`;
    })
    .join('');
  const first = bars[0]?.name ?? '';
  const last = bars.at(-1)?.name ?? '';
  return (
    `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption>` +
    `<svg width="${CHART_W}" height="${CHART_H + 18}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="0" y="12" fill="#b0b0b0" font-size="11">${max}</text>${rects}` +
    `<text x="0" y="${CHART_H + 14}" fill="#b0b0b0" font-size="11">${escapeHtml(first)}</text>` +
    `<text x="${CHART_W}" y="${CHART_H + 14}" fill="#b0b0b0" font-size="11" text-anchor="end">${escapeHtml(last)}</text></svg></figure>`
  );
}

/** The chart of one input's classes: a bar per class when few, else how many classes have 1, 2, 3-4, ... images. */
function classChart(file: string, c: ClassSummary): string {
  if (c.classes === 0) return '';
  const unit = c.unit === 'identity' ? 'identity' : 'class';
  if (c.perClass) return barChart(`${file}: images per ${unit}, by label`, c.perClass.map((p) => ({ name: `label ${p.label}`, value: p.images })), 'images');
  const bins = c.histogram.map((h) => ({ name: h.upTo <= 2 ? `${h.upTo} images` : `${h.upTo / 2 + 1}-${h.upTo} images`, value: h.classes }));
  return barChart(`${file}: ${unit === 'class' ? 'classes' : 'identities'} by images per ${unit}`, bins, unit === 'class' ? 'classes' : 'identities');
}

/** A group's members as `rec view` items; with several inputs the key names the file. */
function itemsOf(group: AuditGroup, inputs: number): ViewItem[] {
  return group.members.slice(0, SHEET_MEMBERS).map((m) => ({
    key: inputs > 1 ? `${m.file}:${m.key}` : m.key,
    offset: m.offset,
    id: m.id,
    label: m.label,
    format: 'jpeg',
    size: m.bytes,
    image: null,
  }));
}

const STYLE = `
body { margin: 1.5rem; background: #1e1e1e; color: #e8e8e8; font: 14px/1.4 system-ui, sans-serif; }
h1 { font-size: 1.2rem; } h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; color: #ffd479; }
pre { color: #d0d0d0; white-space: pre-wrap; } figure { margin: 0 0 1rem; } figcaption { color: #b0b0b0; margin-bottom: .25rem; }
img { max-width: 100%; }
`;

/**
 * The page and its sheets, as files to write into `dir` (the caller writes
 * them together). `load` reads a member's image again; `signal` is checked
 * at every group.
 */
export async function htmlReport(
  result: AuditResult,
  dir: string,
  load: (member: AuditMember) => Promise<Uint8Array>,
  signal?: AbortSignal,
): Promise<{ location: string; data: string | Uint8Array }[]> {
  const files: { location: string; data: string | Uint8Array }[] = [];
  const sections: string[] = [];
  const drawn = result.groups.slice(0, DRAWN_GROUPS);
  for (const [i, group] of drawn.entries()) {
    signal?.throwIfAborted();
    const items = itemsOf(group, result.files.length);
    const byItem = new Map(items.map((item, k) => [item, group.members[k]!]));
    const thumbs = await makeThumbnails(items, THUMB, async (item) => {
      const bytes = await load(byItem.get(item)!);
      item.format = sniffFormat(bytes);
      return bytes;
    }, undefined, signal);
    const title = `group ${i + 1}: ${group.kind === 'exact' ? 'exact duplicates' : 'near-duplicates'}, ${group.members.length} images`;
    const how = group.members.length > items.length ? `the first ${items.length} of ${group.members.length}` : `all ${items.length}`;
    const sheet = await contactSheet({ how, items, groups: null }, thumbs, { size: THUMB, columns: Math.min(8, items.length), title });
    const name = sheetName(i);
    files.push({ location: path.posix.join(dir, name), data: sheet });
    sections.push(`<section><h2>${escapeHtml(title)}</h2><img src="${name}" alt="${escapeHtml(title)}"></section>`);
  }
  const more = result.groups.length > drawn.length ? `<p>${result.groups.length - drawn.length} more groups are not drawn; --json lists every one.</p>` : '';
  const charts = result.files.map((f) => classChart(f.file, f.classes)).join('\n');
  const title = `rec audit: ${result.files.map((f) => f.file).join(', ')}`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<pre>${escapeHtml(summaryLines({ ...result, html: null, exclude: null }).join('\n'))}</pre>
${charts}
${sections.join('\n')}
${more}
</body>
</html>
`;
  files.unshift({ location: path.posix.join(dir, 'index.html'), data: html });
  return files;
}

/**
 * The gallery page: one self-contained HTML file (thumbnails inlined as data:
 * URLs, styles inline, no script), so it can be mailed, attached to an issue
 * or opened from a remote machine's disk as it is.
 */
import { asBuffer } from '../../util/as-buffer.js';
import { formatBytes } from '../../util/units.js';
import { groupLine, idLine, labelLine, sizeLine } from './captions.js';
import type { ViewItem, ViewSelection } from './select.js';
import type { Thumbnail } from './thumbnails.js';
import type { ClassNames } from '../class-names.js';

export interface GalleryOptions {
  title: string;
  size: number;
  names?: ClassNames;
}

export function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function figure(item: ViewItem, thumb: Thumbnail, options: GalleryOptions): string {
  const id = escapeHtml(idLine(item));
  const label = escapeHtml(labelLine(item, options.names));
  const channels = thumb.source ? `, ${thumb.source.channels} ch` : '';
  const stored = `${sizeLine(item, thumb.source)}${channels}, ${formatBytes(item.size)}`;
  const picture = thumb.jpeg
    ? `<img src="data:image/jpeg;base64,${asBuffer(thumb.jpeg).toString('base64')}" width="${thumb.width}" height="${thumb.height}" alt="${id}, ${label}">`
    : `<div class="broken" title="${escapeHtml(thumb.error ?? '')}">cannot decode</div>`;
  return (
    `<figure data-key="${escapeHtml(item.key)}" data-offset="${item.offset}">` +
    `<div class="box">${picture}</div>` +
    `<figcaption><b>${id}</b><br>${label}<br><small>${escapeHtml(stored)}</small></figcaption></figure>`
  );
}

const STYLE = `
body { margin: 1.5rem; background: #1e1e1e; color: #e8e8e8; font: 14px/1.4 system-ui, sans-serif; }
h1 { font-size: 1.2rem; margin: 0 0 .25rem; word-break: break-all; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; color: #ffd479; }
p { margin: 0 0 1rem; color: #b0b0b0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--size), 1fr)); gap: 12px; }
figure { margin: 0; }
.box { width: var(--size); height: var(--size); display: flex; align-items: center; justify-content: center; background: #2a2a2a; }
.broken { color: #ffb0b0; background: #5a1d1d; width: 100%; height: 100%; display: flex; align-items: center; justify-content: center; }
figcaption { font-size: 12px; margin-top: 4px; overflow-wrap: anywhere; }
small { color: #909090; }
`;

export function galleryHtml(selection: ViewSelection, thumbs: readonly Thumbnail[], options: GalleryOptions): string {
  const position = new Map(selection.items.map((item, i) => [item, i]));
  const grid = (items: readonly ViewItem[]) =>
    `<div class="grid">${items.map((item) => figure(item, thumbs[position.get(item)!]!, options)).join('\n')}</div>`;
  const body = selection.groups
    ? selection.groups.map((g) => `<section><h2>${escapeHtml(groupLine(g, options.names))}</h2>\n${grid(g.items)}</section>`).join('\n')
    : grid(selection.items);
  const how = selection.items.length ? selection.how : 'no images to show';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body style="--size: ${options.size}px">
<h1>${escapeHtml(options.title)}</h1>
<p>${escapeHtml(how)}</p>
${body}
</body>
</html>
`;
}

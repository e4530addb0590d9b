/**
 * The contact sheet: thumbnails on a grid, each with its id and label below
 * it, as one PNG. Per class, each class gets a row under its own title. All
 * text is drawn by one SVG layer (libvips renders it with the system's fonts).
 * PNG by default; JPEG on request, a tenth of the size for a sheet of photos.
 */
import { asBuffer } from '../../util/as-buffer.js';
import { groupLine, idLine, labelLine, sizeLine } from './captions.js';
import type { ViewSelection } from './select.js';
import type { Thumbnail } from './thumbnails.js';
import type { ClassNames } from '../class-names.js';

export interface SheetOptions {
  /** Thumbnail box edge in pixels. */
  size: number;
  /** Thumbnails per row (plain mode; per class, a row holds one class). */
  columns: number;
  /** The heading's first line (the file). */
  title: string;
  names?: ClassNames;
  /** Default 'png'. */
  format?: 'png' | 'jpeg' | 'webp';
}

const PAD = 8;
const FONT = 12;
const LINE = 15;
const CAPTION = 2 * LINE + 4;
const HEADING = 2 * LINE + PAD;
const BACKGROUND = '#1e1e1e';

/**
 * Text for the SVG the captions are drawn from. XML 1.0 has no way to write a
 * control character or a lone surrogate (libvips refuses the whole SVG), so
 * controls become their visible symbols (U+2400..U+2421: ␁, ␛, ␡) and lone
 * surrogates U+FFFD; names and file names are data, shown as they are.
 */
function escapeXml(text: string): string {
  return text.replace(/[<>&"']|[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    if (code >= 0xd800) return '\ufffd';
    return `&#${code};`;
  });
}

/** Cut to what fits `width` pixels (DejaVu Sans averages about 0.6 em per character). */
function fit(text: string, width: number): string {
  const max = Math.max(4, Math.floor(width / (FONT * 0.6)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

interface Cell {
  index: number;
  left: number;
  top: number;
}

export async function contactSheet(selection: ViewSelection, thumbs: readonly Thumbnail[], options: SheetOptions): Promise<Buffer> {
  const { size } = options;
  const step = size + PAD;
  const cells: Cell[] = [];
  const titles: { text: string; top: number }[] = [];
  let columns: number;
  let y = HEADING;
  if (selection.groups) {
    columns = Math.max(1, ...selection.groups.map((g) => g.items.length));
    let index = 0;
    for (const group of selection.groups) {
      titles.push({ text: groupLine(group, options.names), top: y });
      y += LINE + 4;
      group.items.forEach((_, c) => cells.push({ index: index++, left: PAD + c * step, top: y }));
      y += size + CAPTION + PAD;
    }
  } else {
    columns = Math.max(1, Math.min(options.columns, selection.items.length));
    selection.items.forEach((_, i) => cells.push({ index: i, left: PAD + (i % columns) * step, top: y + Math.floor(i / columns) * (size + CAPTION + PAD) }));
    y += Math.ceil(selection.items.length / columns) * (size + CAPTION + PAD);
  }
  const width = Math.max(PAD + columns * step, 360);
  const height = Math.max(y, HEADING + LINE);

  const svg: string[] = [];
  const text = (x: number, baseline: number, s: string, fill: string, maxWidth: number) =>
    svg.push(`<text x="${x}" y="${baseline}" fill="${fill}">${escapeXml(fit(s, maxWidth))}</text>`);
  text(PAD, PAD + FONT, options.title, '#ffffff', width - 2 * PAD);
  text(PAD, PAD + FONT + LINE, selection.items.length ? selection.how : 'no images to show', '#b0b0b0', width - 2 * PAD);
  for (const t of titles) text(PAD, t.top + FONT, t.text, '#ffd479', width - 2 * PAD);
  const images: { input: Buffer; left: number; top: number }[] = [];
  for (const cell of cells) {
    const item = selection.items[cell.index]!;
    const thumb = thumbs[cell.index]!;
    if (thumb.jpeg) {
      images.push({
        input: asBuffer(thumb.jpeg),
        left: cell.left + Math.floor((size - thumb.width) / 2),
        top: cell.top + Math.floor((size - thumb.height) / 2),
      });
    } else {
      svg.push(`<rect x="${cell.left}" y="${cell.top}" width="${size}" height="${size}" fill="#5a1d1d"/>`);
      text(cell.left + 4, cell.top + size / 2, 'cannot decode', '#ffb0b0', size - 8);
    }
    text(cell.left, cell.top + size + FONT + 2, idLine(item), '#ffffff', size);
    // Per class the row's title gives the label, so the second line gives the size instead.
    const second = selection.groups ? sizeLine(item, thumb.source) : labelLine(item, options.names);
    text(cell.left, cell.top + size + FONT + 2 + LINE, second, '#b0b0b0', size);
  }
  const overlay =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${FONT}">${svg.join('')}</svg>`;

  const { default: sharp } = await import('sharp');
  return sharp({ create: { width, height, channels: 3, background: BACKGROUND } })
    .composite([...images, { input: Buffer.from(overlay), left: 0, top: 0 }])
    .toFormat(options.format ?? 'png', options.format === 'png' || options.format === undefined ? {} : { quality: 90 })
    .toBuffer();
}

/** The words under each image and above each class, the same on the sheet and on the page. */
import type { ViewGroup, ViewItem } from './select.js';
import type { ClassNames } from '../class-names.js';

/** "id 12", or "key 5 · id 12" where the .idx key is not the header id. */
export function idLine(item: ViewItem): string {
  return item.key === String(item.id) ? `id ${item.id}` : `key ${item.key} · id ${item.id}`;
}

function nameOf(label: number, names: ClassNames | undefined): string | undefined {
  return names?.nameOf(label);
}

/** "label 3 cat", or "labels 1,0,2" for several. */
export function labelLine(item: ViewItem, names?: ClassNames): string {
  if (item.label.length !== 1) return `labels ${item.label.join(',')}`;
  const name = nameOf(item.label[0]!, names);
  return `label ${item.label[0]}${name ? ` ${name}` : ''}`;
}

/** "500×375 jpeg": the stored image's size, where its header could be read. */
export function sizeLine(item: ViewItem, source: { width: number; height: number } | null): string {
  return source ? `${source.width}×${source.height} ${item.format}` : item.format;
}

/** "label 3 cat: 57 images". */
export function groupLine(group: ViewGroup, names?: ClassNames): string {
  const name = nameOf(group.label, names);
  return `label ${group.label}${name ? ` ${name}` : ''}: ${group.total} image${group.total === 1 ? '' : 's'}`;
}

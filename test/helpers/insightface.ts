import path from 'node:path';
import { packImageRecord } from '../../src/format/image-record.js';
import { RecordWriter } from '../../src/format/writer.js';
import { makeJpeg } from './images.js';

/**
 * insightface's layout: images at keys 1..N (label = identity), then one
 * record per identity holding [first, end) of its image keys, and record 0
 * holding [first identity key, end). Written here with record 0 last, as the
 * order in the file does not matter to readers that go by key. With
 * `face2rec2`, images carry the two labels face2rec2.py gave them
 * ([identity, aligned], flag 2) instead of one.
 */
export async function writeInsightface(dir: string, name: string, perIdentity: number[], options: { dropIdentity?: number; face2rec2?: boolean } = {}): Promise<string> {
  const rec = path.join(dir, `${name}.rec`);
  const w = RecordWriter.create(rec, { indexPath: path.join(dir, `${name}.idx`) });
  let key = 1;
  const ranges: [number, number][] = [];
  for (const [identity, count] of perIdentity.entries()) {
    const first = key;
    for (let i = 0; i < count; i++, key++) w.write(packImageRecord({ label: options.face2rec2 ? [identity, 1] : identity, id: key }, await makeJpeg(40, 40, {}, key)), key);
    ranges.push([first, key]);
  }
  const identityStart = key;
  for (const [i, range] of ranges.entries()) {
    if (i !== options.dropIdentity) w.write(packImageRecord({ label: range, id: identityStart + i }, Buffer.alloc(0)), identityStart + i);
  }
  w.write(packImageRecord({ label: [identityStart, identityStart + ranges.length], id: 0 }, Buffer.alloc(0)), 0);
  await w.close();
  return rec;
}


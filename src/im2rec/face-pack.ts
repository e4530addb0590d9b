/**
 * im2rec --layout insightface: the keys of a face pack. The list is taken
 * grouped by identity (ListPart.byIdentity), and each image written gets the
 * next key, 1, 2, ..., as its `.idx` key and header id: keys follow what is
 * written, so an image skipped leaves no hole that insightface's reader
 * (keys 1 .. label[0]-1, every one read) would fall into. Record 0 and the
 * identity records follow the images at the end (tools/face-layout.ts).
 */
import { setRecordId, unpackImageRecord } from '../format/image-record.js';
import type { ListItem } from '../format/list-file.js';
import { RecordReader } from '../format/reader.js';
import type { RecordWriter } from '../format/writer.js';
import { FaceLayoutError, MAX_LAYOUT_KEY, SequentialKeys } from '../format/face-layout.js';
import type { PackOutput, ResumePoint } from './partial-output.js';

export class FaceKeys {
  private constructor(
    private readonly keys: SequentialKeys,
    private readonly list: string,
  ) {}

  /**
   * The keys of a pack that starts at `start`: from 1, or after the records
   * an interrupted run kept (their identities read back from the partial
   * file, in the order written).
   */
  static resumed(out: PackOutput, start: ResumePoint, list: string): FaceKeys {
    const faces = new FaceKeys(new SequentialKeys(), list);
    if (start.entries.length === 0 || out.partialPath === null) return faces;
    const reader = RecordReader.open(out.partialPath);
    try {
      for (const { key, offset } of start.entries) {
        const image = unpackImageRecord(reader.readSync(offset).payload);
        const again = faces.keys.keyFor(image.label[0]!, () => `${out.partialPath}: byte ${offset}`);
        if (again !== Number(key)) throw new Error(`${out.partialPath}: byte ${offset}: key ${String(key)} where the layout gives ${again}`);
      }
    } finally {
      reader.close();
    }
    return faces;
  }

  /** Refuses, before any work, a list of more images than the layout can key (the identities are counted as they come). */
  static checkListSize(items: number, list: string): void {
    if (items + 1 >= MAX_LAYOUT_KEY) {
      throw new FaceLayoutError(`${list}: ${items} images; insightface's layout keys at most ${MAX_LAYOUT_KEY - 2} (record 0 and the identity records hold keys as float32 labels, exact up to 2^24): pack it plain, or in parts`);
    }
  }

  /** The key of an image about to be written (its record's id is set to it). */
  keyFor(record: Uint8Array, item: ListItem): number {
    const key = this.keys.keyFor(item.labels[0]!, () => `${this.list}:${item.line}`);
    setRecordId(record, key);
    return key;
  }

  /** Identities given keys so far. */
  get identities(): number {
    return this.keys.identities;
  }

  /** After the images: record 0 and the identity records. */
  async finish(writer: RecordWriter): Promise<void> {
    for (const { key, payload } of this.keys.records()) {
      writer.write(payload, key);
      await writer.ready();
    }
  }
}

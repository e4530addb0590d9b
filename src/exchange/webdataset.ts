/**
 * WebDataset shards: POSIX tar files whose members are grouped into samples
 * by key, the member name up to its first dot (webdataset's
 * `base_plus_ext`); a sample's members are adjacent. A record is written as
 *
 *     KEY.jpg    the image bytes exactly as stored (.png, .webp, ...: the
 *                extension from the bytes; none for a record with no image)
 *     KEY.cls    the label as decimal text, when it is one integer
 *     KEY.json   the header: flag, label, labels, id, id2 (sample.ts), the
 *                class name when a label map is given, and `key` when the
 *                record's key is not KEY
 *
 * and a payload that is no image record as KEY.bin with KEY.json
 * `{"raw": true}`. KEY is the record's key when it is a safe one (sample.ts:
 * isSafeSampleKey) and not the previous sample's (adjacent members of one
 * key would merge two samples), else `r` and the record's byte offset.
 *
 * Reading, a sample whose JSON has the header fields is rebuilt exactly;
 * another tool's sample gives its image member (the extension asked for,
 * else the first image extension) and its label (`.cls`, else the JSON's
 * `label`).
 */
import { ShardError } from '../format/errors.js';
import { TAR_BLOCK, TAR_END, readTarMembers, tarHeader, tarPadding } from '../format/tar.js';
import type { ByteSource } from '../io/byte-source.js';
import { MAX_IMPORT_MEMBER_BYTES, MAX_IMPORT_SAMPLE_BYTES } from '../io/limits.js';
import type { OutputFile } from '../io/store.js';
import { quoted } from '../util/errors.js';
import { parseJson, stringifyJson } from '../util/json.js';
import { IMAGE_EXTENSIONS, classOf, headerFromJson, headerToJson, imageExtension, isSafeSampleKey, keyProblem } from './sample.js';
import type { ImportFields, ImportedSample, Sample, ShardContext, ShardFormat, ShardWriter } from './shard-format.js';

const ZEROS = Buffer.alloc(TAR_BLOCK);

class WebDatasetWriter implements ShardWriter {
  samples = 0;
  private previousKey = '';

  constructor(
    private readonly out: OutputFile,
    private readonly context: ShardContext,
  ) {}

  add(sample: Sample, offset: number): Promise<void> | null {
    const key = isSafeSampleKey(sample.key) && sample.key !== this.previousKey ? sample.key : `r${offset}`;
    this.previousKey = key;
    const json: Record<string, unknown> = key === sample.key ? {} : { key: sample.key };
    const pieces: Uint8Array[] = [];
    const member = (name: string, data: Uint8Array) => {
      pieces.push(tarHeader(name, data.byteLength), data);
      const pad = tarPadding(data.byteLength);
      if (pad) pieces.push(ZEROS.subarray(0, pad));
    };
    const { header } = sample;
    if (!header) {
      member(`${key}.bin`, sample.bytes);
      json.raw = true;
    } else {
      if (sample.bytes.byteLength > 0) member(`${key}.${imageExtension(sample.bytes)}`, sample.bytes);
      const cls = classOf(header);
      if (cls !== null) member(`${key}.cls`, Buffer.from(String(cls)));
      const name = cls === null ? undefined : this.context.nameOf?.(cls);
      Object.assign(json, headerToJson(header, name));
    }
    member(`${key}.json`, Buffer.from(stringifyJson(json)));
    this.out.writevSync(pieces);
    this.samples += 1;
    return this.out.ready();
  }

  end(): void {
    this.out.writeSync(TAR_END);
  }
}

/** The members of one sample, by extension (everything after the key's first dot, lower-cased, as webdataset does). */
interface Grouped {
  key: string;
  offset: number;
  members: Map<string, Uint8Array>;
  /** Bytes of the members kept. */
  bytes: number;
}

/** Extensions a record is made of, whatever else a sample holds. */
const RECORD_PARTS = new Set(['json', 'cls', 'bin']);

/**
 * Whether a member is kept: the parts a record is made of (the JSON, the
 * label, a raw payload, the fields asked for) and the sample's first image;
 * any other member (a caption, a second image, a mask) is skipped unread,
 * so what one sample holds in memory is bounded by what its record needs.
 */
function used(ext: string, sample: Grouped, fields: ImportFields): boolean {
  if (RECORD_PARTS.has(ext) || ext === fields.image || ext === fields.label) return true;
  if (fields.image !== undefined || !IMAGE_EXTENSIONS.has(ext)) return false;
  return ![...sample.members.keys()].some((kept) => IMAGE_EXTENSIONS.has(kept));
}

/** Splits a member name into key and extension (webdataset's base_plus_ext: the key keeps its folders). */
function keyAndExtension(name: string): { key: string; ext: string } | null {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot < 0) return null;
  return { key: name.slice(0, dot), ext: name.slice(dot + 1).toLowerCase() };
}

/** A sample's JSON member as an object (null when there is none). */
function jsonOf(sample: Grouped, where: string): Record<string, unknown> | null {
  const bytes = sample.members.get('json');
  if (!bytes) return null;
  let value: unknown;
  try {
    value = parseJson(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ShardError(`${where}: ${sample.key}.json: expected JSON, ${(err as Error).message}`);
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * Where a sample's members are copied when the read block they are views of
 * is about to be filled again (a sample that straddles two blocks), one after
 * the other; used again for the next sample once this one is yielded (a
 * sample's bytes are valid until the next is read). Most samples lie in one
 * block and are never copied; a new buffer per member cost more in page
 * faults than a copy.
 */
class Arena {
  private buffer = Buffer.allocUnsafeSlow(4 << 20);
  private used = 0;

  copy(bytes: Uint8Array): Uint8Array {
    if (this.used + bytes.byteLength > this.buffer.length) {
      // The members copied so far keep the old buffer; the next samples use the larger one.
      this.buffer = Buffer.allocUnsafeSlow(Math.max(2 * this.buffer.length, 2 * bytes.byteLength));
      this.used = 0;
    }
    const at = this.used;
    this.buffer.set(bytes, at);
    this.used += bytes.byteLength;
    return this.buffer.subarray(at, this.used);
  }

  reset(): void {
    this.used = 0;
  }
}

function toImported(sample: Grouped, fields: ImportFields, shard: string): ImportedSample {
  const where = `${shard}: sample ${quoted(sample.key)} (byte ${sample.offset})`;
  const json = jsonOf(sample, where);
  const header = json ? headerFromJson(json, `${where}: ${sample.key}.json`) : null;
  const key = typeof json?.key === 'string' ? json.key : sample.key.slice(sample.key.lastIndexOf('/') + 1);
  const bad = keyProblem(key);
  if (bad && (header || json?.raw === true)) throw new ShardError(`${where}: ${bad}`);
  if (json?.raw === true) {
    const bytes = sample.members.get('bin');
    if (!bytes) throw new ShardError(`${where}: expected ${sample.key}.bin beside a raw record's JSON`);
    return { exact: true, sample: { key, header: null, bytes } };
  }
  if (header) {
    const images = [...sample.members].filter(([ext]) => ext !== 'json' && ext !== 'cls');
    if (images.length > 1) throw new ShardError(`${where}: expected one image member, received ${images.map(([ext]) => `${sample.key}.${ext}`).join(', ')}`);
    return { exact: true, sample: { key, header, bytes: images[0]?.[1] ?? new Uint8Array(0) } };
  }
  const imageExt = fields.image ?? [...sample.members.keys()].find((ext) => IMAGE_EXTENSIONS.has(ext));
  const image = imageExt === undefined ? undefined : sample.members.get(imageExt);
  if (!image) {
    const has = [...sample.members.keys()].map((ext) => `.${ext}`).join(', ');
    throw new ShardError(`${where}: expected an image member (${fields.image ? `.${fields.image}` : 'jpg, png, ...'}), received ${has}${fields.image ? '' : '; --image-field names the member'}`);
  }
  return { exact: false, image, label: labelOf(sample, json, fields, where), where };
}

/** Another tool's label: the member asked for, else .cls, else the JSON's `label`. */
function labelOf(sample: Grouped, json: Record<string, unknown> | null, fields: ImportFields, where: string): number | number[] | null {
  const ext = fields.label ?? (sample.members.has('cls') ? 'cls' : null);
  if (ext !== null) {
    const bytes = sample.members.get(ext);
    if (!bytes) throw new ShardError(`${where}: expected a .${ext} member for the label, received ${[...sample.members.keys()].map((e) => `.${e}`).join(', ')}`);
    const text = Buffer.from(bytes).toString('utf8').trim();
    const label = numberOrList(text === '' ? undefined : text.startsWith('[') ? safeJson(text) : Number(text));
    if (label === null) throw new ShardError(`${where}: ${sample.key}.${ext}: expected a number or a list of numbers, received ${quoted(text)}`);
    return label;
  }
  return json ? numberOrList(json.label) : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function numberOrList(value: unknown): number | number[] | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) return value as number[];
  return null;
}

async function* readSamples(source: ByteSource, fields: ImportFields): AsyncGenerator<ImportedSample> {
  let current: Grouped | null = null;
  const arena = new Arena();
  const keep = (block: Uint8Array) => {
    if (!current) return;
    for (const [ext, data] of current.members) if (data.buffer === block.buffer) current.members.set(ext, arena.copy(data));
  };
  for await (const member of readTarMembers(source, { maxMemberBytes: MAX_IMPORT_MEMBER_BYTES, maxMemberOption: 'a member becomes one record', beforeRefill: keep })) {
    const split = keyAndExtension(member.name);
    if (!split) continue; // no extension: no sample's member (a README, say), as webdataset skips it
    if (current && current.key !== split.key) {
      yield toImported(current, fields, source.name);
      current = null;
      arena.reset();
    }
    current ??= { key: split.key, offset: member.offset, members: new Map(), bytes: 0 };
    if (current.members.has(split.ext)) {
      throw new ShardError(`${source.name}: byte ${member.offset}: ${quoted(member.name)} appears twice in sample ${quoted(split.key)}`);
    }
    if (!used(split.ext, current, fields)) continue; // a member no record holds (a caption, a mask): not kept
    current.bytes += member.data.byteLength;
    if (current.bytes > MAX_IMPORT_SAMPLE_BYTES) {
      throw new ShardError(`${source.name}: byte ${member.offset}: sample ${quoted(split.key)} holds ${current.bytes} bytes in the members a record is made of; expected at most ${MAX_IMPORT_SAMPLE_BYTES}`);
    }
    current.members.set(split.ext, member.data);
  }
  if (current) yield toImported(current, fields, source.name);
}

/** Bytes a shard holds per sample beyond its image: three headers and their padding, the label and the JSON. */
const OVERHEAD = 3 * TAR_BLOCK + 2 * TAR_BLOCK;

export const WEBDATASET: ShardFormat = {
  name: 'webdataset',
  extension: '.tar',
  overheadPerSample: OVERHEAD,
  writer: (out, context) => new WebDatasetWriter(out, context),
  read: readSamples,
};

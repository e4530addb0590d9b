/**
 * POSIX tar (ustar), as WebDataset shards use it: a member is a 512-byte
 * header, then its bytes, padded with zeros to a multiple of 512; two zero
 * blocks end the archive.
 *
 *     offset  size  field      written                       read
 *     0       100   name       the member name (ASCII)       + prefix, pax path, GNU long name
 *     100     8     mode       0000644                       ignored
 *     108     8+8   uid, gid   0                             ignored
 *     124     12    size       octal                         octal or base-256 (GNU)
 *     136     12    mtime      0 (outputs are reproducible)  ignored
 *     148     8     checksum   octal sum of the header bytes (the field as spaces)
 *     156     1     type       '0' (a regular file)          '0', '\0', '7'; 'x', 'g', 'L' applied;
 *                                                            '5' (a folder) skipped; links, devices refused
 *     257     8     magic      "ustar\0" "00"
 *     345     155   prefix     empty                         joined to name with '/'
 *
 * What is written is the plainest form every reader takes (Python's tarfile,
 * webdataset and wids, whose index reads only the 100-byte name field,
 * DALI's readers.webdataset): regular files, names of at most 100 bytes, no
 * pax or GNU extensions. What is read is whatever a tar tool makes, with the
 * extensions' sizes capped, and every size checked against the bytes left
 * before anything is allocated.
 *
 * Hand-written rather than taken from tar-stream or node-tar: writing is a
 * header and a padding, and reading must cap what a hostile header claims
 * (tar-stream holds a pax header whole, whatever size it says) and read
 * ahead in large blocks from any store, not pull a Node stream.
 */
import { ShardError } from './errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { MAX_TAR_EXTENSION_BYTES, MAX_TAR_MEMBER_BYTES } from '../io/limits.js';
import { quoted } from '../util/errors.js';

export const TAR_BLOCK = 512;
/** Longest name a plain ustar header holds. */
export const TAR_NAME_BYTES = 100;

/** Zero bytes that pad `size` up to a multiple of 512. */
export function tarPadding(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** Bytes a member of `size` takes in the archive: header, data and padding. */
export function tarMemberBytes(size: number): number {
  return TAR_BLOCK + size + tarPadding(size);
}

function writeOctal(header: Buffer, value: number, at: number, width: number): void {
  header.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, width, 'ascii');
}

/** The 512-byte ustar header of a regular file `name` (ASCII, at most 100 bytes) of `size` bytes. */
export function tarHeader(name: string, size: number): Buffer {
  if (!/^[\x21-\x7e]{1,100}$/.test(name)) throw new RangeError(`tar member name ${quoted(name)}: expected 1 to 100 printable ASCII characters`);
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_TAR_MEMBER_BYTES) throw new RangeError(`tar member ${name}: size ${size} does not fit a ustar header`);
  const header = Buffer.alloc(TAR_BLOCK);
  header.write(name, 0, TAR_NAME_BYTES, 'ascii');
  writeOctal(header, 0o644, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeOctal(header, size, 124, 12);
  writeOctal(header, 0, 136, 12);
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\x0000', 257, 8, 'ascii');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(2 * TAR_BLOCK);

/** A regular file in an archive. */
export interface TarMember {
  /** Its full name (prefix, pax path or GNU long name applied). */
  name: string;
  /** Where its header starts in the archive. */
  offset: number;
  /** Its bytes: a view of the read block, valid until it is filled again (beforeRefill says when). */
  data: Uint8Array;
}

const text = (header: Uint8Array, at: number, width: number): string => {
  const field = header.subarray(at, at + width);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
};

/** A numeric field: octal digits (space- or NUL-terminated), or GNU's base-256 (high bit set). */
function numeric(header: Uint8Array, at: number, width: number): number | null {
  if (header[at]! & 0x80) {
    let value = 0n;
    for (let i = 1; i < width; i++) value = (value << 8n) | BigInt(header[at + i]!);
    if (header[at] !== 0x80) return null; // negative, or more than 2^56: no member is that big
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  }
  const digits = text(header, at, width).trim();
  if (digits === '') return 0;
  return /^[0-7]+$/.test(digits) ? parseInt(digits, 8) : null;
}

function checksumMatches(header: Uint8Array): boolean {
  const stored = numeric(header, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed; // old tools summed signed bytes
}

/** pax records, `LENGTH key=value\n` each: the ones that matter here (path, size). */
function paxRecords(data: Uint8Array, where: string): Map<string, string> {
  const records = new Map<string, string>();
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = space > at ? Number(body.toString('ascii', at, space)) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > body.length) {
      throw new ShardError(`${where}: malformed pax record at byte ${at} of the extended header`);
    }
    const record = body.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a named pipe',
};

/**
 * Reads an archive's regular files in order, from any byte source, a block
 * of `blockBytes` at a time (a member larger than that is read whole, in
 * memory of its own, up to `maxMemberBytes`). Folders are skipped; links,
 * devices and names that climb out (`..`) or are absolute are refused: a
 * shard holds samples, and a name that means a place is no sample.
 */
export async function* readTarMembers(
  source: ByteSource,
  options: {
    blockBytes?: number;
    maxMemberBytes: number;
    maxMemberOption: string;
    /** Called with the read block before it is filled again: members still held that are views of it must be copied now. */
    beforeRefill?: (block: Uint8Array) => void;
  },
): AsyncGenerator<TarMember> {
  const blockBytes = options.blockBytes ?? 8 << 20;
  const where = (offset: number) => `${source.name}: byte ${offset}`;
  let block = Buffer.allocUnsafe(blockBytes);
  let blockStart = 0; // archive offset of block[0]
  let blockEnd = 0; // archive offset just past what block holds
  /** The bytes [at, at + length) of the archive; a view into the block when they fit it. */
  const bytesAt = async (at: number, length: number): Promise<Uint8Array> => {
    if (at >= blockStart && at + length <= blockEnd) return block.subarray(at - blockStart, at - blockStart + length);
    if (length > blockBytes) {
      const whole = Buffer.allocUnsafe(length);
      await readExactly(source, whole, at, where);
      return whole;
    }
    const want = Math.min(blockBytes, source.size - at);
    if (block.length < want) block = Buffer.allocUnsafe(blockBytes);
    options.beforeRefill?.(block);
    await readExactly(source, block.subarray(0, want), at, where);
    [blockStart, blockEnd] = [at, at + want];
    return block.subarray(0, length);
  };

  let at = 0;
  let pax = new Map<string, string>();
  let longName: string | null = null;
  while (at + TAR_BLOCK <= source.size) {
    const header = Buffer.from(await bytesAt(at, TAR_BLOCK));
    if (header.every((b) => b === 0)) return; // the end blocks (what follows them is no member)
    if (!checksumMatches(header)) throw new ShardError(`${where(at)}: expected a tar header (its checksum does not match): not a tar file, or damaged here`);
    const type = String.fromCharCode(header[156]!);
    let size = numeric(header, 124, 12);
    if (type !== 'x' && type !== 'g' && pax.has('size')) size = Number(pax.get('size'));
    if (size === null || !Number.isSafeInteger(size) || size < 0) throw new ShardError(`${where(at)}: expected a member size, received ${quoted(text(header, 124, 12))}`);
    const dataAt = at + TAR_BLOCK;
    if (size > source.size - dataAt) {
      throw new ShardError(`${where(at)}: the member header says ${size} bytes follow, but the file has ${source.size - dataAt} left (truncated, or not a tar file)`);
    }
    const next = dataAt + size + tarPadding(size);
    const extension = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    if (extension && size > MAX_TAR_EXTENSION_BYTES) {
      throw new ShardError(`${where(at)}: an extended header of ${size} bytes; expected at most ${MAX_TAR_EXTENSION_BYTES}`);
    }
    if (type === 'x') pax = paxRecords(await bytesAt(dataAt, size), where(at));
    else if (type === 'L') longName = text(await bytesAt(dataAt, size), 0, size);
    else if (type === 'g' || type === 'K' || type === '5') {
      // global pax records, a GNU long link name, a folder: nothing a sample needs
    } else {
      let name = longName ?? pax.get('path') ?? text(header, 0, 100);
      if (longName === null && !pax.has('path')) {
        const prefix = text(header, 345, 155);
        if (prefix !== '' && header.toString('ascii', 257, 262) === 'ustar') name = `${prefix}/${name}`;
      }
      const kind = TYPE_NAMES[type];
      if (kind) throw new ShardError(`${where(at)}: member ${quoted(name)} is ${kind}; expected regular files only (a shard's samples are files)`);
      if (type !== '0' && type !== '\0' && type !== '7') throw new ShardError(`${where(at)}: member ${quoted(name)} has type ${quoted(type)}; expected a regular file`);
      if (name.startsWith('/') || name.split('/').includes('..')) {
        throw new ShardError(`${where(at)}: member name ${quoted(name)} is absolute or climbs out with '..'; expected a name inside the archive`);
      }
      if (size > options.maxMemberBytes) {
        throw new ShardError(`${where(at)}: member ${quoted(name)} is ${size} bytes; expected at most ${options.maxMemberBytes} (${options.maxMemberOption})`);
      }
      yield { name, offset: at, data: await bytesAt(dataAt, size) };
      [pax, longName] = [new Map(), null];
    }
    at = next;
  }
  if (at < source.size) throw new ShardError(`${where(at)}: the file ends inside a tar header (${source.size - at} bytes); truncated`);
}

async function readExactly(source: ByteSource, into: Buffer, at: number, where: (offset: number) => string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const n = await source.read(into, done, into.length - done, at + done);
    if (n === 0) throw new ShardError(`${where(at + done)}: the file ended early (expected ${into.length - done} more bytes)`);
    done += n;
  }
}

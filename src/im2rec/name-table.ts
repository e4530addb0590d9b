/**
 * The names `im2rec --list` holds until MXNet's shuffle has run, packed: their
 * bytes in blocks outside V8's heap, a start and a length each. Millions of
 * names cost their bytes and about a dozen more each, and no garbage
 * collector lets twice that pile up (as strings, 3 M short names peaked at
 * 900 MB).
 *
 * Each name is held as its walk key, bytes whose plain comparison (memcmp) is
 * os.walk's order: the UTF-8 name (so byte order is code point order, as
 * Python sorts), each folder as 0x02 NAME 0x00 and the file as 0x01 NAME. At
 * each level a file (0x01) comes before a folder (0x02), and a name before a
 * longer one it starts (0x00 ends a folder name; names hold no control
 * characters, listNameProblem). A name's folder is what precedes its 0x01.
 */

const BLOCK = 16 << 20;
const SLASH = 0x2f;
const FILE = 0x01;
const FOLDER = 0x02;
const END = 0x00;

export class NameTable {
  private readonly blocks: Buffer[] = [];
  private used = BLOCK;
  /** Where each name starts: block * BLOCK + offset (names are bounded far below 4 GiB in all). */
  private starts = new Uint32Array(1024);
  private lengths = new Uint16Array(1024);
  count = 0;

  /** Adds a name (at most a few KiB, and all of them far below 4 GiB: the caller checks) and returns its number. */
  add(name: string): number {
    const utf8 = Buffer.from(name, 'utf8');
    let slashes = 0;
    for (const byte of utf8) if (byte === SLASH) slashes++;
    const length = utf8.length + slashes + 1;
    if (this.used + length > BLOCK) {
      this.blocks.push(Buffer.allocUnsafeSlow(BLOCK));
      this.used = 0;
    }
    const block = this.blocks[this.blocks.length - 1]!;
    let p = this.used;
    let from = 0;
    for (let i = 0; i < utf8.length; i++) {
      if (utf8[i] !== SLASH) continue;
      block[p++] = FOLDER;
      p += utf8.copy(block, p, from, i);
      block[p++] = END;
      from = i + 1;
    }
    block[p++] = FILE;
    utf8.copy(block, p, from);
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = (this.blocks.length - 1) * BLOCK + this.used;
    this.lengths[this.count] = length;
    this.used += length;
    return this.count++;
  }

  private grow(): void {
    const size = Math.ceil(this.starts.length * 1.5);
    const starts = new Uint32Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const lengths = new Uint16Array(size);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }

  /** The block holding name `i` and the name's [start, end) in it. */
  private at(i: number): { block: Buffer; start: number; end: number } {
    const at = this.starts[i]!;
    const start = at % BLOCK;
    return { block: this.blocks[(at - start) / BLOCK]!, start, end: start + this.lengths[i]! };
  }

  /** Walk order of names `a` and `b` (negative, 0, positive); it runs n log n times, so it makes no objects. */
  compare(a: number, b: number): number {
    const x = this.starts[a]!;
    const y = this.starts[b]!;
    const xStart = x % BLOCK;
    const yStart = y % BLOCK;
    const xBlock = this.blocks[(x - xStart) / BLOCK]!;
    return xBlock.compare(this.blocks[(y - yStart) / BLOCK]!, yStart, yStart + this.lengths[b]!, xStart, xStart + this.lengths[a]!);
  }

  /** The names' numbers in walk order, each name once. */
  walkOrder(): Uint32Array {
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    order.sort((a, b) => this.compare(a, b));
    let kept = 0;
    for (let k = 0; k < order.length; k++) if (k === 0 || this.compare(order[k]!, order[k - 1]!) !== 0) order[kept++] = order[k]!;
    return order.subarray(0, kept);
  }

  /** Name `i` as it was added. */
  name(i: number): string {
    const { block, start, end } = this.at(i);
    return decode(block, start, end);
  }

  /** The folder of name `i`, relative to the root ('.' for the root itself). */
  folder(i: number): string {
    const { block, start, end } = this.at(i);
    const file = block.lastIndexOf(FILE, end - 1);
    const name = decode(block, start, file);
    return name === '' ? '.' : name.slice(0, -1);
  }

  /** Whether names `a` and `b` are in the same folder. */
  sameFolder(a: number, b: number): boolean {
    const x = this.at(a);
    const y = this.at(b);
    const xFile = x.block.lastIndexOf(FILE, x.end - 1);
    const yFile = y.block.lastIndexOf(FILE, y.end - 1);
    return xFile - x.start === yFile - y.start && x.block.compare(y.block, y.start, yFile, x.start, xFile) === 0;
  }
}

/** A walk key's bytes back to the name: markers dropped, folder ends as '/'. */
function decode(block: Buffer, start: number, end: number): string {
  const out = Buffer.allocUnsafe(end - start);
  let p = 0;
  for (let i = start; i < end; i++) {
    const byte = block[i]!;
    if (byte === FILE || byte === FOLDER) continue;
    out[p++] = byte === END ? SLASH : byte;
  }
  return out.toString('utf8', 0, p);
}

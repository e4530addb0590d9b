/**
 * Names for labels (`--names` of view, unpack, info and subset), from a file
 * in any of the forms people have at hand:
 *
 * - im2rec's label map (PREFIX.labels.txt, written by `--list --recursive`):
 *   `folder<TAB>label` per line. A folder may hold spaces and slashes
 *   (`Fish Tank`, `dog/puppies/small`: nested folders).
 * - ImageNet's synset.txt: `n01440764 tench, Tinca tinca` per line; label i
 *   is line i and its name the WordNet id, which is also ImageNet's folder.
 * - One name per line: label i is line i, the whole line its name.
 *
 * An image list (.lst) given by mistake is refused, as are a name given to two
 * labels and a label given two names.
 */
import { displayLocation } from '../io/display-name.js';
import { readLines, readLinesSync } from '../io/text-lines.js';
import { MAX_NAMES_BYTES } from '../io/limits.js';
import { MxrecError } from '../util/errors.js';

const NAMES_LIMITS = { maxBytes: MAX_NAMES_BYTES, maxBytesOption: 'a names file' };

export class ClassNamesError extends MxrecError {
  override readonly name = 'ClassNamesError';
  readonly kind = 'usage';
}

export class ClassNames {
  private readonly byName = new Map<string, number>();

  private constructor(
    /** The file read. */
    readonly file: string,
    /** Which form it was in. */
    readonly form: 'label map' | 'synset list' | 'one name per line',
    private readonly byLabel: ReadonlyMap<number, string>,
  ) {
    for (const [label, name] of byLabel) this.byName.set(name, label);
  }

  /** The names in a local file. */
  static read(file: string): ClassNames {
    const lines: string[] = [];
    readLinesSync(file, (bytes, start, end) => void lines.push(bytes.toString('utf8', start, end).replace(/\r$/, '')), NAMES_LIMITS);
    return ClassNames.parse(file, lines);
  }

  /** read() for a path or a URL (s3://, http(s)://). */
  static async load(location: string): Promise<ClassNames> {
    const lines: string[] = [];
    await readLines(location, (bytes, start, end) => void lines.push(bytes.toString('utf8', start, end).replace(/\r$/, '')), NAMES_LIMITS);
    return ClassNames.parse(displayLocation(location), lines);
  }

  private static parse(file: string, lines: string[]): ClassNames {
    while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
    const at = (i: number) => `${file}:${i + 1}`;
    const filled = lines.map((line, i) => [line, i] as const).filter(([line]) => line.trim() !== '');
    if (filled.length === 0) throw new ClassNamesError(`${file}: expected names, one per line or as im2rec's label map, received an empty file`);

    if (filled.every(([line]) => /^\d+(\t[-+.\deE]+)+\t[^\t]+$/.test(line))) {
      throw new ClassNamesError(`${file}: looks like an image list (.lst), not names: pass the label map im2rec wrote beside it (PREFIX.labels.txt), or one name per line`);
    }
    const byLabel = new Map<number, string>();
    const give = (label: number, name: string, i: number) => {
      const other = byLabel.get(label);
      if (other !== undefined) throw new ClassNamesError(`${at(i)}: label ${label} is named twice ("${other}" and "${name}")`);
      byLabel.set(label, name);
    };
    const names = new Map<string, number>();
    const once = (name: string, i: number) => {
      const before = names.get(name);
      if (before !== undefined) throw new ClassNamesError(`${at(i)}: "${name}" already names a label (line ${before + 1})`);
      names.set(name, i);
    };

    if (filled.every(([line]) => /^[^\t]+\t\s*\d+\s*$/.test(line))) {
      for (const [line, i] of filled) {
        const tab = line.lastIndexOf('\t');
        const name = line.slice(0, tab);
        once(name, i);
        give(Number(line.slice(tab + 1)), name, i);
      }
      return new ClassNames(file, 'label map', byLabel);
    }
    // Label i is line i here, so a blank line in the middle would shift every name after it.
    const blank = lines.findIndex((line) => line.trim() === '');
    if (blank !== -1) throw new ClassNamesError(`${at(blank)}: expected a name on every line (line i names label i), received an empty line`);
    const synsets = lines.every((line) => /^n\d{8}(\s|$)/.test(line));
    lines.forEach((line, i) => {
      const name = synsets ? line.split(/\s/)[0]! : line.trim();
      once(name, i);
      give(i, name, i);
    });
    return new ClassNames(file, synsets ? 'synset list' : 'one name per line', byLabel);
  }

  /** How many labels have a name. */
  get size(): number {
    return this.byLabel.size;
  }

  nameOf(label: number): string | undefined {
    return Number.isInteger(label) ? this.byLabel.get(label) : undefined;
  }

  /** The label a name (or a label written as a number) stands for. */
  labelOf(nameOrLabel: string): number | undefined {
    const named = this.byName.get(nameOrLabel);
    if (named !== undefined) return named;
    return /^[-+]?\d+(\.\d+)?$/.test(nameOrLabel.trim()) ? Number(nameOrLabel) : undefined;
  }

  /** What the file names, for messages: "3 labels (0..2), as a label map". */
  describe(): string {
    const labels = [...this.byLabel.keys()].sort((a, b) => a - b);
    return `${labels.length} label${labels.length === 1 ? '' : 's'} (${labels[0]}..${labels.at(-1)}), as ${this.form === 'label map' ? 'a label map' : this.form === 'synset list' ? 'a synset list' : 'one name per line'}`;
  }
}

/**
 * The columns of an exported Parquet file, as Hugging Face `datasets` lays
 * out an image dataset, and what tells `datasets` and the Hub so: the
 * `huggingface` key of the file's key-value metadata, and the README.md
 * dataset card beside the files.
 *
 *     column        Parquet (all OPTIONAL)                   datasets feature
 *     ────────────  ───────────────────────────────────────  ─────────────────────────────
 *     image         group { binary bytes; binary path UTF8 }  Image
 *     label         INT64                                    ClassLabel (names known), else Value int64
 *     labels        LIST { repeated group list {float item} } Sequence of Value float32
 *     id, id2       INT64, UINT_64                           Value uint64
 *     flag          INT32, UINT_32                           Value uint32
 *     header_label  FLOAT                                    Value float32
 *     key           BYTE_ARRAY, UTF8 / STRING                Value string
 *     payload       BYTE_ARRAY                               Value binary
 *
 * How `datasets` finds the features (datasets/packaged_modules/parquet,
 * Features.from_arrow_schema): it reads the schema with pyarrow, which maps
 * each Parquet type to an Arrow type (the table above, left to right: struct,
 * int64, list<item: float>, uint64, uint32, float, string, binary) and hands
 * the file's key-value metadata on as the schema's metadata. A column takes
 * its feature from the `huggingface` key only when the feature's own Arrow
 * field equals the one pyarrow read (name, type, nullable), else it is
 * inferred from the Arrow type (the image would be a plain struct). So every
 * column is OPTIONAL (nullable), the image struct holds `bytes` then `path`
 * (Image's storage type), and the list's element is named `item`, which is
 * what pyarrow before 11 compared too (later ones ignore the name). No
 * `ARROW:schema` key is needed: pyarrow uses it only to restore Arrow types
 * Parquet cannot say (large_binary, dictionaries, time zones), and these are
 * the types it infers anyway.
 */
import type { SchemaElement } from 'hyparquet';

/** The columns, in file order. */
export const COLUMNS = ['image', 'label', 'labels', 'id', 'id2', 'flag', 'header_label', 'key', 'payload'] as const;
export type ColumnName = (typeof COLUMNS)[number];

const optional = 'OPTIONAL' as const;
// Unsigned integers by their converted type alone: hyparquet-writer 0.17 writes the INTEGER logical
// type's bitWidth as an i32 where parquet.thrift has an i8, and DuckDB refuses the footer. pyarrow and
// DuckDB read UINT_64 / UINT_32 as uint64 / uint32 without it.
const u64 = { type: 'INT64', converted_type: 'UINT_64' } as const;

/** The Parquet schema, flattened depth first as the footer stores it. */
export const SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: COLUMNS.length },
  { name: 'image', repetition_type: optional, num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: optional },
  { name: 'path', type: 'BYTE_ARRAY', repetition_type: optional, converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  { name: 'label', type: 'INT64', repetition_type: optional },
  { name: 'labels', repetition_type: optional, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'item', type: 'FLOAT', repetition_type: optional },
  { name: 'id', repetition_type: optional, ...u64 },
  { name: 'id2', repetition_type: optional, ...u64 },
  { name: 'flag', type: 'INT32', repetition_type: optional, converted_type: 'UINT_32' },
  { name: 'header_label', type: 'FLOAT', repetition_type: optional },
  { name: 'key', type: 'BYTE_ARRAY', repetition_type: optional, converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  { name: 'payload', type: 'BYTE_ARRAY', repetition_type: optional },
];

const value = (dtype: string) => ({ dtype, _type: 'Value' });

/**
 * The `datasets` features of the columns (Features.to_dict's form). The list
 * is written as a Sequence with its length, which every version reads
 * (datasets 4 turns it into a List; 1.x requires the length).
 */
export function features(classLabels: readonly string[] | null): Record<ColumnName, object> {
  return {
    image: { _type: 'Image' },
    label: classLabels ? { names: [...classLabels], _type: 'ClassLabel' } : value('int64'),
    labels: { feature: value('float32'), length: -1, _type: 'Sequence' },
    id: value('uint64'),
    id2: value('uint64'),
    flag: value('uint32'),
    header_label: value('float32'),
    key: value('string'),
    payload: value('binary'),
  };
}

/** The `huggingface` key-value metadata `datasets` reads from a file's schema. */
export function huggingfaceMetadata(classLabels: readonly string[] | null): string {
  return JSON.stringify({ info: { features: features(classLabels) } });
}

/** What the dataset card says about a split's files (datasetCard). */
export interface DatasetCardOptions {
  /** The split's name, and the start of its files' names (`data/SPLIT-00000-of-00004.parquet`). */
  split: string;
  /** The files, relative to the card (`data/train-00000-of-00004.parquet`, ...). */
  files: readonly string[];
  /** Names of labels 0..n-1 when known (the label column's ClassLabel). */
  classLabels: readonly string[] | null;
  /** The records carry several float labels each (the `labels` column), not one class. */
  multiLabel: boolean;
  /** Samples in all the files. */
  samples: number;
  /** Bytes of all the files. */
  bytes: number;
  /** Where the records came from, as shown to the user (no credentials). */
  source: string;
}

/**
 * Text as a YAML double-quoted scalar: JSON's escapes are YAML's, and YAML
 * also wants DEL, the C1 controls and the line separators escaped.
 */
function yamlString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text for the card's prose: one line, no Markdown code fence breaking out. */
function prose(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029`]/g, '?');
}

/** The card's feature list (datasets' YAML form, Features._to_yaml_list), in column order. */
function yamlFeatures(classLabels: readonly string[] | null): string[] {
  const lines = ['  features:', '  - name: image', '    dtype: image', '  - name: label'];
  if (classLabels) {
    lines.push('    dtype:', '      class_label:', '        names:');
    classLabels.forEach((name, i) => lines.push(`          '${i}': ${yamlString(name)}`));
  } else {
    lines.push('    dtype: int64');
  }
  lines.push('  - name: labels', '    sequence: float32');
  for (const [name, dtype] of [['id', 'uint64'], ['id2', 'uint64'], ['flag', 'uint32'], ['header_label', 'float32'], ['key', 'string'], ['payload', 'binary']]) {
    lines.push(`  - name: ${name}`, `    dtype: ${dtype}`);
  }
  return lines;
}

/**
 * The README.md dataset card of an export: YAML front matter with the
 * config (the split's files), the features (class names where known) and the
 * split's size, so that `datasets.load_dataset(FOLDER)` and the Hub's viewer
 * show the images and their class names; then a few lines on what the columns
 * hold and how to load them.
 */
export function datasetCard(options: DatasetCardOptions): string {
  const { split, files, classLabels, multiLabel, samples, bytes, source } = options;
  const prefix = `data/${split}-`;
  // The usual glob (what push_to_hub writes) when every file follows the naming; else the files themselves.
  const paths = files.every((f) => f.startsWith(prefix)) ? [`    path: ${yamlString(`${prefix}*`)}`] : ['    path:', ...files.map((f) => `    - ${yamlString(f)}`)];
  const front = [
    '---',
    'configs:',
    '- config_name: default',
    '  data_files:',
    `  - split: ${yamlString(split)}`,
    ...paths,
    'dataset_info:',
    ...yamlFeatures(classLabels),
    '  splits:',
    `  - name: ${yamlString(split)}`,
    `    num_bytes: ${bytes}`,
    `    num_examples: ${samples}`,
    `  download_size: ${bytes}`,
    `  dataset_size: ${bytes}`,
    '---',
  ];
  const labelLine = multiLabel
    ? '`labels` holds each record\'s float32 labels (multi-label); `label` is empty.'
    : classLabels
      ? `\`label\` is the class (${classLabels.length} named classes).`
      : '`label` is the class where the label is one integer; `labels` holds the labels of records that have several.';
  const body = [
    '',
    `# ${prose(source)}`,
    '',
    `Exported from \`${prose(source)}\` (MXNet RecordIO) by mxrec: ${samples} samples in ${files.length} Parquet file${files.length === 1 ? '' : 's'}.`,
    '`image` holds each image\'s bytes exactly as the record stored them (not decoded or re-encoded).',
    labelLine,
    '`id`, `id2`, `flag` and `header_label` are the MXNet image header, field for field; `key` is the record\'s key;',
    '`payload` holds, whole, the records that are not images. `rec import --from parquet` rebuilds the `.rec` byte for byte.',
    '',
    '```python',
    'from datasets import load_dataset',
    `ds = load_dataset(".", split=${JSON.stringify(split)})  # in this folder; else its path, or the Hub repository's name`,
    '```',
    '',
  ];
  return [...front, ...body].join('\n');
}

/**
 * Where an export's files go, by format. Every name is made from PREFIX (the
 * command's -o) and counters, never from data.
 *
 *     webdataset   PREFIX-000000.tar ...          the shards
 *                  PREFIX.wids.json               their index (wids; URLs relative to it)
 *                  PREFIX.manifest.json           the manifest (manifest.ts)
 *     parquet      PREFIX/data/train-00000-of-00004.parquet ...
 *                  PREFIX/README.md               the dataset card (Hugging Face)
 *                  PREFIX/mxrec.manifest.json
 *
 * With parts, each part leaves its own manifest
 * (`...manifest.part-00001-of-00004.json`) for the last one to merge.
 */
import { UsageError, quoted } from '../util/errors.js';
import { stringifyJson } from '../util/json.js';
import type { ExportManifest } from './manifest.js';
import type { ShardContext, ShardFormat } from './shard-format.js';
import { WEBDATASET } from './webdataset.js';

export const EXPORT_FORMATS = ['webdataset', 'parquet'] as const;
export type ExportFormatName = (typeof EXPORT_FORMATS)[number];

/**
 * The Parquet module, loaded when a command uses it: its libraries take
 * about 100 ms to load, which every rec command would pay at its start.
 */
const parquetModule = () => import('./parquet.js');

/** The format of that name. */
export async function shardFormat(name: ExportFormatName): Promise<ShardFormat> {
  return name === 'webdataset' ? WEBDATASET : (await parquetModule()).PARQUET;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const baseName = (location: string) => location.slice(location.lastIndexOf('/') + 1);

export interface ExportLayout {
  format: ShardFormat;
  /** The folder the shards are in, and what their names look like there (to find an earlier export's). */
  shardFolder: string;
  shardPattern: RegExp;
  shardName(i: number, count: number): string;
  /** The whole export's manifest. */
  manifest: string;
  partManifest(part: number, parts: number): string;
  /** Files written with the manifest, once the export is whole (the shard index, the dataset card). */
  extras: string[];
  /** A shard's name relative to the manifest's folder. */
  relative(location: string): string;
  /** The files that complete the export, the manifest last. */
  finalFiles(manifest: ExportManifest, context: ShardContext): { location: string; data: string }[];
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function exportLayout(to: ExportFormatName, prefix: string, split: string): Promise<ExportLayout> {
  const manifestText = (m: ExportManifest) => `${stringifyJson(m, 2)}\n`;
  if (to === 'webdataset') {
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const base = baseName(prefix);
    if (base === '' || base === '.' || base === '..') {
      throw new UsageError(`expected an output prefix that ends in a name (shards/train gives shards/train-000000.tar, ...), received ${quoted(prefix)}`);
    }
    const index = `${prefix}.wids.json`;
    const manifest = `${prefix}.manifest.json`;
    return {
      format: WEBDATASET,
      shardFolder: folder,
      shardPattern: new RegExp(`^${escaped(base)}-\\d{6}\\.tar$`),
      shardName: (i) => `${prefix}-${pad(i, 6)}.tar`,
      manifest,
      partManifest: (part, parts) => `${prefix}.manifest.part-${pad(part, 5)}-of-${pad(parts, 5)}.json`,
      extras: [index],
      relative: (location) => location.slice(folder.length),
      finalFiles: (m) => [
        { location: index, data: `${stringifyJson(widsIndex(baseName(prefix), m), 2)}\n` },
        { location: manifest, data: manifestText(m) },
      ],
    };
  }
  const folder = prefix.replace(/\/+$/, '');
  if (folder === '' || folder === '.') throw new UsageError(`expected as output the folder a Parquet dataset goes in (a new one, or an earlier export's), received ${quoted(prefix)}`);
  const { PARQUET, datasetCard } = await parquetModule();
  const manifest = `${folder}/mxrec.manifest.json`;
  const card = `${folder}/README.md`;
  return {
    format: PARQUET,
    shardFolder: `${folder}/data/`,
    shardPattern: new RegExp(`^${escaped(split)}-\\d{5}-of-\\d{5}\\.parquet$`),
    shardName: (i, count) => `${folder}/data/${split}-${pad(i, 5)}-of-${pad(count, 5)}.parquet`,
    manifest,
    partManifest: (part, parts) => `${folder}/mxrec.manifest.part-${pad(part, 5)}-of-${pad(parts, 5)}.json`,
    extras: [card],
    relative: (location) => location.slice(folder.length + 1),
    finalFiles: (m, context) => [
      {
        location: card,
        data: datasetCard({
          split,
          files: m.outputs.map((o) => o.path),
          classLabels: context.classLabels ?? null,
          multiLabel: false,
          samples: m.outputs.reduce((sum, o) => sum + o.samples, 0),
          bytes: m.outputs.reduce((sum, o) => sum + o.bytes, 0),
          // The source's name only: a card is made to be published, and the rest of a path is the exporter's own.
          source: baseName(m.source.location),
        }),
      },
      { location: manifest, data: manifestText(m) },
    ],
  };
}

/** wids' shard index: each shard's URL (relative to the index), sample count and size. */
function widsIndex(name: string, m: ExportManifest): object {
  return {
    __kind__: 'wids-shard-index-v1',
    wids_version: 1,
    name,
    shardlist: m.outputs.map((o) => ({ url: baseName(o.path), nsamples: o.samples, filesize: o.bytes })),
  };
}

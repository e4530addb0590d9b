/**
 * The export manifest (`PREFIX.manifest.json`; in a Parquet export's folder,
 * `mxrec.manifest.json`): every shard with its size, sample count, SHA-256
 * and the bytes of the source it holds, and the source's size and SHA-256
 * (for an export in parts, each part's range and its SHA-256). `rec
 * verify MANIFEST` reads every shard again and checks it against it. Paths
 * are relative to the manifest's folder, so a copied or uploaded export
 * still verifies.
 */
import { ShardError } from '../format/errors.js';
import { quoted } from '../util/errors.js';

export const MANIFEST_KIND = 'mxrec-export-manifest';

export interface ManifestOutput {
  /** The shard, relative to the manifest's folder. */
  path: string;
  bytes: number;
  samples: number;
  sha256: string;
  /** The bytes of the source it holds, [from, to). */
  source: { from: number; to: number };
}

/** Source bytes [from, to) one part exported, and their SHA-256. */
export interface SourceRange {
  from: number;
  to: number;
  sha256: string;
}

export interface ExportManifest {
  kind: typeof MANIFEST_KIND;
  version: 1;
  format: 'webdataset' | 'parquet';
  /** The source: its SHA-256 when one run exported it all, else each part's range with its SHA-256. */
  source: { location: string; bytes: number; sha256?: string; ranges?: SourceRange[] };
  /** Shards in the whole export. */
  shards: number;
  parts: number;
  /** In a part manifest: which part. */
  part?: number;
  outputs: ManifestOutput[];
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isSha = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** Whether parsed JSON is an export manifest at all (before checking it field by field). */
export function isManifest(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === MANIFEST_KIND;
}

/** The manifest in parsed JSON, checked field by field; a ShardError naming `where` and the field otherwise. */
export function checkManifestShape(value: unknown, where: string): ExportManifest {
  const fail = (what: string): never => {
    throw new ShardError(`${where}: expected an mxrec export manifest, ${what}`);
  };
  if (!isManifest(value)) fail(`received no "kind": "${MANIFEST_KIND}"`);
  const m = value as Record<string, unknown>;
  if (m.version !== 1) fail(`version 1, received ${quoted(String(m.version))}`);
  if (m.format !== 'webdataset' && m.format !== 'parquet') fail(`"format" webdataset or parquet, received ${quoted(String(m.format))}`);
  if (!isCount(m.shards) || !isCount(m.parts) || !Array.isArray(m.outputs)) fail('with "shards", "parts" and "outputs"');
  (m.outputs as unknown[]).forEach((o, i) => {
    const out = o as Record<string, unknown> | null;
    const src = out?.source as Record<string, unknown> | undefined;
    const ok =
      out &&
      typeof out.path === 'string' &&
      isCount(out.bytes) &&
      isCount(out.samples) &&
      isSha(out.sha256) &&
      src &&
      isCount(src.from) &&
      isCount(src.to);
    if (!ok) fail(`outputs[${i}] with path, bytes, samples, sha256 and source {from, to}`);
    const name = out!.path as string;
    if (name === '' || name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '') || /[\\\0\n\r%]|:\/\//.test(name)) {
      fail(`outputs[${i}].path a name inside the manifest's folder, received ${quoted(name)}`);
    }
  });
  return value as ExportManifest;
}

/**
 * `rec verify MANIFEST`: an export checked against its manifest, shard by
 * shard: there, of the size written, with the SHA-256 written (so with the
 * same samples). Shards are read once each, a block at a time (sha256Of).
 */
import { displayLocation } from '../io/display-name.js';
import { isNotFound, openLocation, readWhole } from '../io/locations.js';
import { MAX_MANIFEST_BYTES } from '../io/limits.js';
import { parseJson } from '../util/json.js';
import { sha256Of } from './hash-range.js';
import { checkManifestShape } from './manifest.js';
import { ShardError } from '../format/errors.js';

export interface ExportCheck {
  manifest: string;
  format: 'webdataset' | 'parquet';
  shards: number;
  samples: number;
  bytes: number;
  /** One line each: the shard and what is wrong with it. */
  problems: string[];
}

export async function verifyExport(
  manifestLocation: string,
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<ExportCheck> {
  const shown = displayLocation(manifestLocation);
  let parsed: unknown;
  try {
    parsed = parseJson((await readWhole(manifestLocation, MAX_MANIFEST_BYTES, 'an export manifest')).toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw new ShardError(`${shown}: expected an export manifest (JSON), ${err.message}`);
    throw err;
  }
  const manifest = checkManifestShape(parsed, shown);
  const folder = manifestLocation.slice(0, manifestLocation.lastIndexOf('/') + 1);
  const total = manifest.outputs.reduce((sum, o) => sum + o.bytes, 0);
  const problems: string[] = [];
  if (manifest.outputs.length !== manifest.shards) problems.push(`${shown}: lists ${manifest.outputs.length} shards of ${manifest.shards} (a part manifest, or parts missing)`);
  let done = 0;
  for (const output of manifest.outputs) {
    const location = `${folder}${output.path}`;
    let source;
    try {
      source = await openLocation(location);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      problems.push(`${displayLocation(location)}: missing`);
      continue;
    }
    try {
      if (source.size !== output.bytes) {
        problems.push(`${displayLocation(location)}: ${source.size} bytes, expected ${output.bytes}`);
        continue;
      }
      const { sha256: sha } = await sha256Of(source, 0, source.size, {
        signal: options.signal,
        onBytes: (n) => options.onProgress?.((done += n), total),
      });
      if (sha !== output.sha256) problems.push(`${displayLocation(location)}: SHA-256 ${sha}, expected ${output.sha256} (changed or damaged since export)`);
    } finally {
      source.close();
    }
  }
  return {
    manifest: shown,
    format: manifest.format,
    shards: manifest.outputs.length,
    samples: manifest.outputs.reduce((sum, o) => sum + o.samples, 0),
    bytes: total,
    problems,
  };
}

/** Placeholder until the Parquet format lands (issue 30). */
import { UsageError } from '../util/errors.js';
import type { ShardFormat } from './shard-format.js';

const missing = (): never => {
  throw new UsageError('--to parquet / --from parquet: not available yet');
};

export const PARQUET: ShardFormat = {
  name: 'parquet',
  extension: '.parquet',
  overheadPerSample: 64,
  writer: missing,
  read: missing,
};

export function datasetCard(_options: {
  split: string;
  files: string[];
  classLabels: readonly string[] | null;
  multiLabel: boolean;
  samples: number;
  bytes: number;
  source: string;
}): string {
  return missing();
}

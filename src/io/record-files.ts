/**
 * Expanding a `.rec` location into files the way dmlc's InputSplit does
 * (InputSplitBase::ConvertToURIs / InitInputFileInfo): a `;`-separated list of
 * paths, each a file or a directory. A directory contributes its regular files
 * (not recursively) in the order the OS lists them, which dmlc does not sort,
 * so neither do we. Empty files are left out, as dmlc leaves them out.
 * dmlc's regex patterns on file names are not supported.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface RecordFile {
  path: string;
  size: number;
}

export class RecordFilesError extends Error {
  override readonly name = 'RecordFilesError';
}

function statOrThrow(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecordFilesError(code === 'ENOENT' ? `${p}: no such file or directory` : `${p}: cannot read (${code})`);
  }
}

/** Lists a directory in raw readdir order (fs.readdirSync would sort it; dmlc does not). */
function listInOsOrder(dir: string): string[] {
  const names: string[] = [];
  const handle = fs.opendirSync(dir);
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) names.push(entry.name);
  } finally {
    handle.closeSync();
  }
  return names;
}

export function resolveRecordFiles(uri: string | readonly string[]): RecordFile[] {
  const entries = (typeof uri === 'string' ? uri.split(';') : [...uri]).filter((p) => p !== '');
  const files: RecordFile[] = [];
  for (const entry of entries) {
    const st = statOrThrow(entry);
    if (st.isDirectory()) {
      for (const name of listInOsOrder(entry)) {
        const child = path.join(entry, name);
        const cst = fs.statSync(child, { throwIfNoEntry: false });
        if (cst?.isFile() && cst.size > 0) files.push({ path: child, size: cst.size });
      }
    } else if (st.size > 0) {
      files.push({ path: entry, size: st.size });
    }
  }
  if (files.length === 0) {
    throw new RecordFilesError(`${typeof uri === 'string' ? uri : uri.join(';')}: no non-empty record files found`);
  }
  return files;
}

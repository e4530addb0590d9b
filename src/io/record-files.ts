/**
 * Expanding a `.rec` location into files the way dmlc's InputSplit does
 * (InputSplitBase::ConvertToURIs / InitInputFileInfo): a `;`-separated list of
 * paths, each a file or a directory. A directory contributes its regular files
 * (not recursively) in the order the OS lists them, which dmlc does not sort,
 * so neither do we. Empty files are left out, as dmlc leaves them out.
 * dmlc's regex patterns on file names are not supported. An entry may also be
 * in another store (resolveRecordLocations): a file, or a folder (a bucket
 * prefix ending in `/`) listed by its store.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ByteSource } from './byte-source.js';
import { displayLocation } from './display-name.js';
import { localStore } from './local-store.js';
import { storeOf } from './locations.js';
import type { RemoteOptions } from './store.js';
import { LocalOnlyError } from './url.js';
import { MxrecError } from '../util/errors.js';

export interface RecordFile {
  path: string;
  size: number;
  /** Already open (a URL, whose size took a request to learn); else opened by path when read. */
  source?: ByteSource;
}

export class RecordFilesError extends MxrecError {
  override readonly name = 'RecordFilesError';
  readonly kind = 'usage';
}

function statOrThrow(p: string): fs.Stats {
  if (storeOf(p) !== localStore) throw new LocalOnlyError(p);
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

function entriesOf(uri: string | readonly string[]): string[] {
  return (typeof uri === 'string' ? uri.split(';') : [...uri]).filter((p) => p !== '');
}

/** A local entry's files: itself, or a folder's non-empty regular files. */
function localFiles(entry: string): RecordFile[] {
  const st = statOrThrow(entry);
  if (!st.isDirectory()) return st.size > 0 ? [{ path: entry, size: st.size }] : [];
  const files: RecordFile[] = [];
  for (const name of listInOsOrder(entry)) {
    const child = path.join(entry, name);
    const cst = fs.statSync(child, { throwIfNoEntry: false });
    if (cst?.isFile() && cst.size > 0) files.push({ path: child, size: cst.size });
  }
  return files;
}

function nonEmpty(files: RecordFile[], uri: string | readonly string[]): RecordFile[] {
  if (files.length === 0) {
    const named = (typeof uri === 'string' ? uri.split(';') : uri).map(displayLocation).join(';');
    throw new RecordFilesError(`${named}: no non-empty record files found`);
  }
  return files;
}

export function resolveRecordFiles(uri: string | readonly string[]): RecordFile[] {
  return nonEmpty(entriesOf(uri).flatMap(localFiles), uri);
}

/**
 * resolveRecordFiles for entries in any store (s3://, http(s)://): each file
 * opened here, to learn its size; a folder (a local one, or a bucket prefix
 * ending in `/`) gives its own files as its store lists them.
 */
export async function resolveRecordLocations(uri: string | readonly string[], options?: RemoteOptions): Promise<RecordFile[]> {
  const files: RecordFile[] = [];
  for (const entry of entriesOf(uri)) {
    const store = storeOf(entry);
    if (store === localStore) {
      files.push(...localFiles(entry));
      continue;
    }
    const names = store.isFolder(entry) ? [] : [entry];
    if (store.isFolder(entry)) for await (const name of store.list(entry, { recursive: false })) names.push(store.nameUnder(entry, name, 'join'));
    for (const name of names) {
      const source = await store.open(name, options);
      if (source.size > 0) files.push({ path: name, size: source.size, source });
      else source.close();
    }
  }
  return nonEmpty(files, uri);
}

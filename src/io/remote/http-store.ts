/**
 * http(s):// URLs as a Store (store.ts): read by range requests
 * (http-source.ts), never written, listed or removed: a web server has no
 * folders to list and takes no uploads here.
 */
import { displayLocation } from '../display-name.js';
import { relativeNameProblem } from '../names.js';
import { OutputNameError } from '../output-errors.js';
import type { Store } from '../store.js';
import { LocationError, parseUrl } from '../url.js';
import { httpAddress, rangedReads } from './http-source.js';
import { remoteNameUnder, remoteWithExtension } from './remote-names.js';

function readOnly(location: string): never {
  throw new OutputNameError(displayLocation(location), 'expected a local path or s3://bucket/key to write, received an http(s) URL');
}

export const httpStore: Store = {
  kind: 'http(s) URL',
  remote: true,
  resumable: false,
  outputMemory: 0,

  display: displayLocation,
  absolute: displayLocation,

  ...rangedReads(httpAddress),
  isFolder: (location) => parseUrl(location).pathname.endsWith('/'),
  // eslint-disable-next-line require-yield
  async *list(folder) {
    throw new LocationError(`${displayLocation(folder)}: an http(s):// folder cannot be listed; give a list of its files, or a bucket (s3://)`);
  },
  nameUnder: remoteNameUnder,
  nameProblem: relativeNameProblem,
  withExtension: remoteWithExtension,

  checkOutputName: readOnly,
  hold: () => null,
  removeLeftovers: () => {},
  checkOutput: async (location) => readOnly(location),
  makeFolderFor: () => {},
  create: async (location) => readOnly(location),
  createSync: readOnly,
  remove: async (location) => readOnly(location),
};

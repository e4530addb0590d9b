/**
 * http(s):// URLs as a Store (store.ts): read by range requests
 * (http-source.ts), never written, listed or removed: a web server has no
 * folders to list and takes no uploads here.
 */
import { displayLocation } from '../display-name.js';
import { relativeNameProblem } from '../names.js';
import { OutputNameError } from '../output-errors.js';
import type { ByteSource } from '../byte-source.js';
import type { Store } from '../store.js';
import { LocalOnlyError, LocationError, parseUrl } from '../url.js';
import { HttpSource, httpAddress, remoteExists } from './http-source.js';
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

  open: (location, options) => HttpSource.openAt(httpAddress(location, options), options),
  openSync: (location): ByteSource => {
    throw new LocalOnlyError(location);
  },
  openWhole: (location, options) => HttpSource.openWhole(httpAddress(location, options), options),
  exists: (location, options) => remoteExists(httpAddress(location, options), options),
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

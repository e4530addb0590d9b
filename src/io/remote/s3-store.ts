/**
 * s3://bucket/key objects as a Store (store.ts): read by ranged GETs through
 * the HTTP reader with presigned addresses (s3.ts), written as multipart
 * uploads published when every output of a run is stored (s3-upload.ts),
 * listed by ListObjectsV2. A bucket has no locks and no partial objects:
 * an output is checked by a HEAD, and its publishing request is conditional.
 */
import { relativeNameProblem } from '../names.js';
import { OutputExistsError, OutputIsInputError } from '../output-errors.js';
import type { Store } from '../store.js';
import { rangedReads, remoteExists } from './http-source.js';
import { remoteNameUnder } from './remote-names.js';
import { listS3Keys, parseS3Url, removeS3Object, s3Address, s3Name } from './s3.js';
import { S3Upload } from './s3-upload.js';
import { UPLOAD_MEMORY } from '../limits.js';

/** s3://bucket/key in one spelling, to compare outputs with each other and with inputs. */
const canonical = s3Name;

export const s3Store: Store = {
  kind: 's3:// object',
  remote: true,
  resumable: false,
  outputMemory: UPLOAD_MEMORY,

  display: canonical,
  absolute: canonical,

  ...rangedReads(s3Address),
  isFolder: (location) => location.endsWith('/'),
  list: (folder, options) => listS3Keys(folder, options),
  nameUnder: remoteNameUnder,
  nameProblem: relativeNameProblem,
  withExtension(location, from, to) {
    parseS3Url(location); // checked (an s3:// location need not parse as a URL); it has no query
    return location.replace(from, '') + to;
  },

  checkOutputName: (location) => void parseS3Url(location), // an output needs a key
  hold: () => null,
  removeLeftovers: () => {},
  async checkOutput(location, { inputs, overwrite }) {
    if (inputs.some((input) => canonical(input) === canonical(location))) throw new OutputIsInputError(canonical(location));
    if (!overwrite && (await remoteExists(s3Address(location)))) throw new OutputExistsError(canonical(location));
  },
  makeFolderFor: () => {},
  create: (location, options) => S3Upload.create(location, options),
  // No createSync: an upload is written through the async API only (createOutputSync says LocalOnlyError).
  remove: (location) => removeS3Object(location),
};

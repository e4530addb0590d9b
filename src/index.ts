/**
 * mxrec: MXNet RecordIO for Node.js. The package's public API.
 */
export { MxrecError, type ErrorKind } from './util/errors.js';
export {
  MAGIC,
  CFlag,
  MAX_CHUNK_LENGTH,
  encodeRecord,
  findCuts,
  encodedSize,
  encodeLRecord,
  decodeCFlag,
  decodeLength,
} from './format/recordio.js';
export { RecordIOError, IndexFileError, ImageRecordError, type RecordIOErrorCode } from './format/errors.js';
export {
  RecordReader,
  RecordScan,
  type ReadOptions,
  type ScanOptions,
  type RecordIORecord,
  type SkipEvent,
} from './format/reader.js';
export { RecordWriter, type RecordWriterOptions } from './format/writer.js';
export { RecordIndex, indexPathFor, type IndexEntry, type IndexKey } from './format/index-file.js';
export {
  IMAGE_HEADER_SIZE,
  packHeader,
  unpackHeader,
  packImageRecord,
  unpackImageRecord,
  tryUnpackImageRecord,
  type ImageHeader,
  type ImageRecord,
  type ImageRecordInput,
  type RecordId,
} from './format/image-record.js';
export { readPartition, partitionRange, partitionSegments, type PartitionOptions } from './format/partition.js';
export { resolveRecordFiles, RecordFilesError, type RecordFile } from './io/record-files.js';
export { type ByteSource, FileSource, BufferSource } from './io/byte-source.js';
export { LimitError } from './io/limits.js';
export { OutputIsInputError, OutputExistsError, OutputLockedError, OutputNameError, NothingWrittenError } from './io/output-errors.js';
export {
  transcode,
  transcodeMany,
  decodeInto,
  decodeIntoMany,
  imageInfo,
  isJpeg,
  shorterEdgeSize,
  nativeStatus,
  setDecodeBudget,
  type DecodeJob,
} from './codec/codec.js';
export {
  ImageError,
  type ImageErrorCode,
  type Filter,
  type Crop,
  type TranscodeOptions,
  type DecodeIntoOptions,
  type EncodedImage,
  type ImageInfo,
} from './codec/types.js';
export { makeLists, readLabelMap, ListingError, DEFAULT_EXTS, type MakeListsOptions, type MakeListsResult } from './im2rec/make-lists.js';
export { partialPaths, ResumeError } from './im2rec/partial-output.js';
export {
  pack,
  PackError,
  reportPathFor,
  type PackOptions,
  type PackProgress,
  type PackSummary,
  type SkippedImage,
} from './im2rec/pack.js';
export { type ImageSettings } from './im2rec/image-plan.js';
export { parseList, parseListLine, formatListLine, ListFileError, type ListItem, type ListDialect } from './format/list-file.js';
export { ListPart, readListPart, listPartRange } from './im2rec/list-split.js';
export { mergeRecordFiles, type MergeResult } from './tools/merge.js';
export { type RewriteOptions, type RewriteResult } from './tools/rewrite.js';
export { splitRecordFile, type SplitOptions } from './tools/split.js';
export { subsetRecordFile, type SubsetOptions, type SubsetResult } from './tools/subset.js';
export { shuffleRecordFile, type ShuffleOptions } from './tools/shuffle.js';
export { recordFileInfo, type InfoOptions, type InfoReport, type Layout } from './tools/info.js';
export { verifyRecordFile, type VerifyOptions, type VerifyReport, type Problem } from './tools/verify.js';
export { unpackRecordFile, UnpackError, type UnpackOptions, type UnpackResult } from './tools/unpack.js';
export { ClassNames, ClassNamesError } from './tools/class-names.js';
export { viewRecordFile, MAX_VIEW_IMAGES, type ViewOptions, type ViewResult } from './tools/view/view.js';
export {
  ImageRecordIter,
  IterDataError,
  type Batch,
  type BatchData,
  type Dtype,
  type IterStats,
  type SkippedRecord,
} from './iter/image-record-iter.js';
export { IterOptionError, type ImageRecordIterOptions } from './iter/options.js';
export { IterSourceError } from './iter/record-source.js';
export { LabelError } from './iter/labels.js';

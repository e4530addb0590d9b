/**
 * mxrec: MXNet RecordIO for Node.js. The package's public API: what is
 * exported here is what users may rely on. Every change to it shows in the
 * API report (etc/mxrec.api.md), which the tests keep current.
 *
 * @packageDocumentation
 */
export { MxrecError, UsageError, type ErrorKind } from './util/errors.js';
export { partFromScheduler, SchedulerError, SCHEDULER_VARIABLES } from './util/scheduler.js';

// The format: records, the .idx, MXNet's image header, dmlc's parts.
export { MAGIC, MAX_CHUNK_LENGTH, encodeRecord, encodedSize } from './format/recordio.js';
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
export { RecordIndex, indexPathFor, type IndexEntry, type IndexKey, type IndexReadOptions } from './format/index-file.js';
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
export { readPartition, openPartition, partitionRange, type PartitionOptions } from './format/partition.js';
export { parseList, parseListLine, formatListLine, ListFileError, type ListItem, type ListDialect } from './format/list-file.js';

// Bytes in and out.
export { resolveRecordFiles, RecordFilesError, type RecordFile } from './io/record-files.js';
export { type ByteSource, FileSource, BufferSource } from './io/byte-source.js';
export { HttpError } from './io/remote/http-source.js';
export type { RemoteOptions, Store, OutputFile, OutputOptions, OutputHold, ListOptions } from './io/store.js';
export { registerStore, storeOf } from './io/locations.js';
export { LocalOnlyError } from './io/url.js';
export { LimitError } from './io/limits.js';
export { OutputIsInputError, OutputExistsError, OutputLockedError, OutputNameError, NothingWrittenError } from './io/output-errors.js';

// Images.
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
  type Geometry,
} from './codec/types.js';

// im2rec.
export { makeLists, readLabelMap, ListingError, DEFAULT_EXTS, type MakeListsOptions, type MakeListsResult, type ListFileWritten } from './im2rec/make-lists.js';
export { ResumeError } from './im2rec/partial-output.js';
export { pack, PackError, type PackSummary } from './im2rec/pack.js';
export { PACK_OPTIONS, IMAGE_OPTIONS, PackOptionError, type PackOptions, type PackProgress, type SkippedImage } from './im2rec/options.js';
export { type ImageSettings } from './im2rec/image-plan.js';
export { readListPart, listPartRange } from './im2rec/list-split.js';

// The rec tools.
export { buildIndex, NoImageHeaderError, type BuildIndexOptions, type BuildIndexResult, type IndexKeys } from './tools/build-index.js';
export { MERGE_OPTIONS, mergeRecordFiles, labelMapPathFor, type MergeOptions, type MergeResult } from './tools/merge.js';
export { REWRITE_OPTIONS, type RewriteOptions, type RewriteResult, type LayoutSummary } from './tools/rewrite.js';
export { FLATTEN_OPTIONS, flattenRecordFile, type FlattenOptions, type FlattenResult } from './tools/flatten.js';
export { FaceLayoutError, MAX_LAYOUT_KEY, readLayoutHeader, type LayoutHeader } from './format/face-layout.js';
export { SPLIT_OPTIONS, splitRecordFile, type SplitOptions } from './tools/split.js';
export { SUBSET_OPTIONS, subsetRecordFile, type SubsetOptions, type SubsetResult } from './tools/subset.js';
export { REPAIR_OPTIONS, repairRecordFile, undecodablePathFor, type RepairOptions, type RepairReport, type DamagedStretch, type SuspectRecord, type IndexClaims, type LayoutClaims } from './tools/repair.js';
export { SHUFFLE_OPTIONS, shuffleRecordFile, type ShuffleOptions } from './tools/shuffle.js';
export { INFO_OPTIONS, recordFileInfo, type InfoOptions, type InfoReport, type Layout, type ImageSummary, type LabelSummary, type Summary } from './tools/info.js';
export { VERIFY_OPTIONS, verifyRecordFile, type VerifyOptions, type VerifyReport, type Problem } from './tools/verify.js';
export { UNPACK_OPTIONS, unpackRecordFile, UnpackError, type UnpackOptions, type UnpackResult } from './tools/unpack.js';
export { ClassNames, ClassNamesError } from './tools/class-names.js';
export { VIEW_OPTIONS, viewRecordFile, type ViewOptions, type ViewResult } from './tools/view/view.js';
export { AUDIT_OPTIONS, auditRecordFiles, exclusionListPaths, type AuditOptions } from './tools/audit/audit.js';
export { summaryLines as auditSummaryLines, type AuditResult, type AuditGroup, type AuditMember, type AuditFile, type AuditOverlap } from './tools/audit/report.js';
export { type ClassSummary } from './tools/audit/counts.js';

// Getting datasets out and back in: WebDataset shards and Hugging Face's Parquet layout.
export { EXPORT_OPTIONS, exportRecordFile, type ExportOptions, type ExportResult, type ShardPlan } from './exchange/export.js';
export { parseByteSize } from './util/units.js';
export { IMPORT_OPTIONS, importRecords, type ImportOptions, type ImportResult } from './exchange/import.js';
export { verifyExport, type ExportCheck } from './exchange/verify-export.js';
export { MANIFEST_KIND, type ExportManifest, type ManifestOutput, type SourceRange } from './exchange/manifest.js';
export { ShardError } from './format/errors.js';

// Training batches.
export {
  ImageRecordIter,
  IterDataError,
  type Batch,
  type BatchData,
  type Dtype,
  type IterStats,
  type SkippedRecord,
} from './iter/image-record-iter.js';
export { ITER_OPTIONS, IterOptionError, type ImageRecordIterOptions, type IterSettings } from './iter/options.js';
export { IterSourceError, type BadRecord } from './iter/record-source.js';
export type { BuiltOption, OptionSpec, OptionValue, OptionsOf, RequiredKeys, DefaultedKeys, Resolved, Schema } from './util/schema.js';
export { LabelError } from './iter/labels.js';

// One timed scan of a .rec with mxrec's reader (the built package), as a process of its own so
// that its peak RSS is its own. Prints a JSON line like dmlc-harness scan does.
// Usage: scan-ours.mjs FILE sync|async reuse|keep [READ_AHEAD [TO]]
//   READ_AHEAD: chunks read ahead on reader threads (default: the reader's default; 0: none)
//   TO: stop before the record that starts at or after this byte offset (default: the whole file)
import { RecordReader } from '../../dist/index.js';

const [file, mode = 'sync', buffers = 'reuse', readAhead, to] = process.argv.slice(2);
const start = process.hrtime.bigint();
const reader = RecordReader.open(file);
let records = 0;
let payloadBytes = 0;
let checksum = 0;
const visit = (rec) => {
  records += 1;
  payloadBytes += rec.payload.length;
  if (rec.payload.length > 0) checksum += rec.payload[rec.payload.length >> 1];
};
const options = { reuseBuffers: buffers === 'reuse' };
if (readAhead !== undefined && readAhead !== '') options.readAhead = Number(readAhead);
if (to !== undefined) options.to = Number(to);
const scan = reader.scan(options);
if (mode === 'async') {
  for await (const rec of scan) visit(rec);
} else {
  for (const rec of scan) visit(rec);
}
reader.close();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ records, payloadBytes, checksum, seconds, peakRssKiB: process.resourceUsage().maxRSS }));

// One timed write of COUNT records cycling through POOL's records (held in memory), as
// dmlc-harness write-bench does. fsync is off, as dmlc's writer never syncs.
import { RecordReader, RecordWriter } from '../../dist/index.js';

const [poolPath, out, countText] = process.argv.slice(2);
const count = Number(countText);
const pool = [...RecordReader.open(poolPath)].map((r) => Buffer.from(r.payload));
const start = process.hrtime.bigint();
const writer = RecordWriter.create(out, { fsync: false });
let payloadBytes = 0;
for (let i = 0; i < count; i++) {
  const rec = pool[i % pool.length];
  writer.write(rec);
  payloadBytes += rec.length;
}
writer.close();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ records: count, payloadBytes, seconds, peakRssKiB: process.resourceUsage().maxRSS }));

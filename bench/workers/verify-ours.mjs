// One timed `rec verify` of a .rec (framing, record starts and the unsplit-magic check; no .idx),
// through the built package's verifyRecordFile, as a process of its own. Prints a JSON line like
// dmlc-harness scan does. Usage: verify-ours.mjs FILE
import { verifyRecordFile } from '../../dist/index.js';

const [file] = process.argv.slice(2);
const start = process.hrtime.bigint();
const report = await verifyRecordFile(file);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
if (report.problems.length > 0) throw new Error(`verify found problems: ${report.problems[0].message}`);
console.log(JSON.stringify({ records: report.records, payloadBytes: report.size, seconds, peakRssKiB: process.resourceUsage().maxRSS }));

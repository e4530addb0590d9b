// The latency proxy (test/helpers/latency-proxy.ts) in front of the bench's S3 server, in a
// process of its own on the server's core, so that its work is the store's and not mxrec's.
// Prints {"endpoint", "latencyMs", "bytesPerSec"} once listening; runs until killed. Started with
// node --import tsx (the helper is TypeScript).
// usage: latency-proxy.mjs UPSTREAM [LATENCY_MS [BYTES_PER_SEC]]
import { startLatencyProxy } from '../../test/helpers/latency-proxy.ts';

const [upstream, latencyMs, bytesPerSec] = process.argv.slice(2);
const proxy = await startLatencyProxy(upstream, {
  latencyMs: latencyMs === undefined ? undefined : Number(latencyMs),
  bytesPerSec: bytesPerSec === undefined ? undefined : Number(bytesPerSec),
});
console.log(JSON.stringify({ endpoint: proxy.endpoint, latencyMs: proxy.latencyMs, bytesPerSec: proxy.bytesPerSec }));

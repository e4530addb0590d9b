// A local S3 API for the bucket benchmarks: s3rver (the test server) on 127.0.0.1 with its
// objects under DIR, in a process of its own so that its work is not counted as mxrec's.
// Prints {"endpoint"} once listening; runs until killed.
// usage: s3-server.mjs DIR BUCKET
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
console.log(JSON.stringify({ endpoint: `http://127.0.0.1:${port}` }));

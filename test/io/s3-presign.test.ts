// Presigned URLs from a bucket's template (src/io/remote/s3-presign.ts) must be the SDK's own
// getSignedUrl URLs, character for character: path-style and virtual-hosted endpoints,
// keys that need escaping, GET and HEAD.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as s3 from '@aws-sdk/client-s3';
import * as presign from '@aws-sdk/s3-request-presigner';
import { Presigner } from '../../src/io/remote/s3-presign.js';

const KEYS = ['images/a b/c+d.jpg', 'é/ü/日本.png', "odd/!'()*~-_.jpg", 'q?x#y&z=1;%20.jpg', 'deep/er/still/0001.jpg', 'plain'];
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const at = new Date('2026-12-02T10:00:00Z');

const clients: [string, s3.S3ClientConfig, string][] = [
  ['a custom endpoint, path-style (MinIO, s3rver)', { endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }, 'bench'],
  ['AWS, virtual-hosted', {}, 'my-bucket'],
  ['AWS, a bucket with dots (path-style)', {}, 'my.dotted.bucket'],
];

describe('presigned URLs from a template', () => {
  for (const [what, config, bucket] of clients) {
    test(`${what}: the SDK's URLs, key for key`, async () => {
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
      const client = new s3.S3Client({ ...config, region: 'eu-west-1', credentials });
      try {
        const presigner = new Presigner(client, s3, presign, 300);
        for (const method of ['GET', 'HEAD'] as const) {
          for (const key of KEYS) {
            const input = { Bucket: bucket, Key: key };
            const command = method === 'GET' ? new s3.GetObjectCommand(input) : new s3.HeadObjectCommand(input);
            const expected = await presign.getSignedUrl(client, command, { expiresIn: 300, signingDate: at });
            assert.equal(await presigner.sign(bucket, key, method, at), expected, `${method} ${key}`);
          }
          assert.equal(await presigner.quickFor(bucket, method), true, `${method}: signed from the template`);
        }
      } finally {
        client.destroy();
      }
    });
  }
});

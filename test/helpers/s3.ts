/**
 * A real S3 API on loopback for the tests: s3rver (npm), started here on
 * 127.0.0.1 with a temporary folder, and the environment a client needs to
 * reach it through the AWS SDK's standard chain (endpoint, region, keys).
 */
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { tempDir } from './tmp.js';

export interface TestS3 {
  endpoint: string;
  /** The folder s3rver keeps its objects in (an object's bytes: BUCKET/KEY._S3rver_object). */
  dir: string;
  /** The variables that point the SDK at this server (for a child process, or process.env). */
  env: Record<string, string>;
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
  /** An object's bytes, or null when there is none of that key. */
  get(bucket: string, key: string): Promise<Buffer | null>;
  /** The keys under a prefix, in order. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

export const KEY_ID = 'S3RVER';
export const SECRET = 'S3RVER';

/** Starts a server with these buckets; stopped when the test file ends. Also points this process's SDK at it. */
export async function startS3(buckets: string[]): Promise<TestS3> {
  const dir = path.join(tempDir('mxrec-s3-'), 'data');
  fs.mkdirSync(dir);
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  Object.assign(process.env, env);
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    client.destroy();
    await server.close();
  };
  after(close);
  return {
    endpoint,
    dir,
    env,
    put: async (bucket, key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    get: async (bucket, key) => {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') return null;
        throw err;
      }
    },
    keys: async (bucket, prefix = '') => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) keys.push(o.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    close,
  };
}

// A real S3 endpoint for tests: s3rver (an S3 API over a temp directory) on a free port of
// 127.0.0.1, spoken to with the real @aws-sdk/client-s3. One per test file is plenty: each test
// takes a fresh bucket (newBucket) or a fresh prefix of the first one.
//
//   const s3 = await startS3();
//   const store = await openS3BlobStore({ ...s3.config, prefix: 'test-1' });
//   …
//   await s3.stop();
//
// s3rver is not S3: it writes objects in place (a reader may see half of an object being
// overwritten), ignores conditional headers and has no AbortMultipartUpload. Tests that race
// writers must not depend on atomic overwrites; the blob store never overwrites a key with
// other bytes, so it does not.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../blobs/s3/config.ts';

export type { S3Config } from '../blobs/s3/config.ts';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  vhostBuckets: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// s3rver is CommonJS without types: require it and name the little we use.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** s3rver's one account (it checks request signatures against it). */
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface TestS3 {
  /** A fresh, empty bucket on the server, with the endpoint and credentials to reach it. */
  config: S3Config;
  /** Another fresh, empty bucket on the same server. */
  newBucket(): Promise<S3Config>;
  /**
   * A client for looking behind the store (listing its keys, planting objects), set up the way
   * the store sets up its own: path-style, checksums only where S3 requires them.
   */
  client(): S3Client;
  /** Stops the server and removes its directory (buckets and all). */
  stop(): Promise<void>;
}

function bucketName(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

/** An S3 client for the test server (the SDK's defaults break third-party servers). */
export function testS3Client(config: S3Config): S3Client {
  return new S3Client({
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    region: config.region,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Starts s3rver on a free port with a temp directory and one fresh bucket (`config`). */
export async function startS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'fieldlake-s3-'));
  const first = bucketName();
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: first }],
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const base = {
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    ...S3RVER_CREDENTIALS,
  };
  const config: S3Config = { ...base, bucket: first };
  const clients: S3Client[] = [];
  const client = (): S3Client => {
    const made = testS3Client(config);
    clients.push(made);
    return made;
  };
  return {
    config,
    async newBucket() {
      const bucket = bucketName();
      const admin = testS3Client(config);
      try {
        await admin.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        admin.destroy();
      }
      return { ...base, bucket };
    },
    client,
    async stop() {
      for (const made of clients) made.destroy();
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

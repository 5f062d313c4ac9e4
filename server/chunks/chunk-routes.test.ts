// Chunks over HTTP on a real lake: verified and idempotent PUT, resumable uploads with the
// offset probe, ranged and conditional GET with a strong ETag, limits.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../test-support/test-lake.ts';

let lake: TestLake;
let headers: Record<string, string>;

beforeEach(async () => {
  lake = await startTestLake({ settings: { maxChunkBytes: 1024 * 1024 } });
  headers = { ...lake.auth(lake.adminToken), 'content-type': 'application/octet-stream' };
});
afterEach(async () => {
  await lake.close();
});

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('chunk routes', () => {
  it('PUT verifies the hash, keeps nothing on a mismatch, and is idempotent', async () => {
    const bytes = randomBytes(100_000);
    const hash = sha(bytes);
    const wrong = await lake.app.inject({
      method: 'PUT',
      url: `/api/chunks/${'0'.repeat(64)}`,
      headers,
      payload: bytes,
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: { code: 'bad_request', reason: 'hash_mismatch' } });
    expect(
      (await lake.app.inject({ method: 'HEAD', url: `/api/chunks/${'0'.repeat(64)}`, headers }))
        .statusCode,
    ).toBe(404);
    const first = await lake.app.inject({
      method: 'PUT',
      url: `/api/chunks/${hash}`,
      headers,
      payload: bytes,
    });
    expect(first.statusCode).toBe(201);
    const again = await lake.app.inject({
      method: 'PUT',
      url: `/api/chunks/${hash}`,
      headers,
      payload: bytes,
    });
    expect(again.statusCode).toBe(200);
    const head = await lake.app.inject({ method: 'HEAD', url: `/api/chunks/${hash}`, headers });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    expect(head.headers.etag).toBe(`"${hash}"`);
  });

  it('resumes an upload from the offset the probe reports', async () => {
    const bytes = randomBytes(300_000);
    const hash = sha(bytes);
    const url = `/api/chunks/${hash}`;
    const piece = (first: number, last: number) =>
      lake.app.inject({
        method: 'PUT',
        url,
        headers: { ...headers, 'content-range': `bytes ${first}-${last}/${bytes.length}` },
        payload: bytes.subarray(first, last + 1),
      });
    const one = await piece(0, 99_999);
    expect(one.statusCode).toBe(202);
    expect(one.headers['fieldlake-upload-offset']).toBe('100000');
    // The connection dropped; the client asks how much the lake holds.
    const probe = await lake.app.inject({ method: 'HEAD', url, headers });
    expect(probe.statusCode).toBe(404);
    expect(probe.headers['fieldlake-upload-offset']).toBe('100000');
    const skipped = await piece(150_000, 199_999);
    expect(skipped.statusCode).toBe(409);
    expect(skipped.headers['fieldlake-upload-offset']).toBe('100000');
    expect((await piece(100_000, 199_999)).statusCode).toBe(202);
    const done = await piece(200_000, 299_999);
    expect(done.statusCode).toBe(201);
    const got = await lake.app.inject({ url, headers });
    expect(sha(got.rawPayload)).toBe(hash);
  });

  it('GET serves ranges, 304 on a matching ETag and 416 outside', async () => {
    const bytes = randomBytes(5000);
    const hash = sha(bytes);
    const url = `/api/chunks/${hash}`;
    await lake.app.inject({ method: 'PUT', url, headers, payload: bytes });
    const range = await lake.app.inject({ url, headers: { ...headers, range: 'bytes=100-199' } });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe('bytes 100-199/5000');
    expect(range.rawPayload.equals(bytes.subarray(100, 200))).toBe(true);
    const suffix = await lake.app.inject({ url, headers: { ...headers, range: 'bytes=-10' } });
    expect(suffix.rawPayload.equals(bytes.subarray(4990))).toBe(true);
    const cached = await lake.app.inject({
      url,
      headers: { ...headers, 'if-none-match': `"${hash}"` },
    });
    expect(cached.statusCode).toBe(304);
    const outside = await lake.app.inject({ url, headers: { ...headers, range: 'bytes=6000-' } });
    expect(outside.statusCode).toBe(416);
    expect(outside.headers['content-range']).toBe('bytes */5000');
  });

  it('refuses bodies over the limit with 413 and malformed hashes and ranges with 400', async () => {
    const big = randomBytes(1024 * 1024 + 1);
    const tooBig = await lake.app.inject({
      method: 'PUT',
      url: `/api/chunks/${sha(big)}`,
      headers,
      payload: big,
    });
    expect(tooBig.statusCode).toBe(413);
    expect(
      (await lake.app.inject({ method: 'HEAD', url: `/api/chunks/${sha(big)}`, headers }))
        .statusCode,
    ).toBe(404);
    const badHash = await lake.app.inject({
      method: 'PUT',
      url: '/api/chunks/..%2F..%2Fmeta.sqlite',
      headers,
      payload: big.subarray(0, 10),
    });
    expect(badHash.statusCode).toBe(400);
    const badRange = await lake.app.inject({
      method: 'PUT',
      url: `/api/chunks/${sha(big)}`,
      headers: { ...headers, 'content-range': 'bytes 10-5/100' },
      payload: big.subarray(0, 10),
    });
    expect(badRange.statusCode).toBe(400);
  });
});

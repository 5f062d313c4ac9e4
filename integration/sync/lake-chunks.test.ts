// The browser's chunk channel (src/jio/storages/lake/lake-chunks.ts) against a real lake on a
// real port: verified and idempotent uploads, uploads resumed from the offset the lake holds
// (after a break, and after a 409 when another writer moved it), downloads verified whole and
// by ranges. A small fake server stands in for the failures a real lake never produces: a body
// cut short, a proxy's error page, bytes that do not match their hash.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLake, type TestLake } from '../../server/test-support/test-lake.ts';
import { JioError } from '../../src/jio/errors.ts';
import { LakeHttp } from '../../src/jio/storages/lake/http.ts';
import { type ChunkTransferProgress, LakeChunks } from '../../src/jio/storages/lake/index.ts';
import { API_VERSION, API_VERSION_HEADER } from '../../src/shared/wire/api.ts';
import { UPLOAD_OFFSET_HEADER } from '../../src/shared/wire/lake.ts';

const MiB = 1024 * 1024;

let lake: TestLake;
let url: string;
let token: string;

beforeAll(async () => {
  lake = await startTestLake({ listen: true });
  if (lake.url === undefined) throw new Error('the test lake did not listen');
  url = lake.url;
  ({ token } = await lake.addUser('tech', 'admin'));
});
afterAll(async () => {
  await lake.close();
});

interface Chunk {
  bytes: Uint8Array;
  sha256: string;
}

function chunkOf(length: number): Chunk {
  const bytes = new Uint8Array(randomBytes(length));
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

interface Sent {
  method: string;
  range: string | null;
  contentRange: string | null;
}

/** A fetch that records what it sends, then lets `before` act (or not) and sends it. */
function recordingFetch(before?: (init: RequestInit | undefined) => Promise<void>): {
  fetch: typeof fetch;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  return {
    sent,
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      sent.push({
        method: init?.method ?? 'GET',
        range: headers.get('range'),
        contentRange: headers.get('content-range'),
      });
      await before?.(init);
      return fetch(input, init);
    },
  };
}

function channel(
  options: { partBytes?: number; fetch?: typeof fetch; url?: string } = {},
): LakeChunks {
  const http = new LakeHttp({ url: options.url ?? url, token, fetch: options.fetch });
  return new LakeChunks(
    http,
    options.partBytes === undefined ? {} : { partBytes: options.partBytes },
  );
}

/** A part of an upload sent as another client would, with Content-Range. */
async function rawPart(chunk: Chunk, first: number, end: number): Promise<Response> {
  const response = await fetch(`${url}/api/chunks/${chunk.sha256}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${first}-${end - 1}/${chunk.bytes.byteLength}`,
    },
    body: chunk.bytes.slice(first, end),
  });
  await response.arrayBuffer();
  return response;
}

/** Byte equality in one call: `toEqual` on megabytes compares element by element, for minutes. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)).toBe(
    true,
  );
}

async function rejection(promise: Promise<unknown>): Promise<JioError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JioError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('LakeChunks on a real lake', () => {
  it('uploads a small chunk whole: created, then present; probe and download agree', async () => {
    const chunks = channel();
    const chunk = chunkOf(100_000);
    expect(await chunks.probe(chunk.sha256)).toEqual({ stored: false, offset: 0 });
    const progress: ChunkTransferProgress[] = [];
    expect(
      await chunks.upload(chunk.sha256, chunk.bytes, { onProgress: (p) => progress.push(p) }),
    ).toEqual({ sha256: chunk.sha256, status: 'created', bytesSent: 100_000 });
    expect(progress).toEqual([{ sha256: chunk.sha256, bytesDone: 100_000, bytesTotal: 100_000 }]);
    expect(await chunks.upload(chunk.sha256, chunk.bytes)).toMatchObject({ status: 'present' });
    expect(await chunks.probe(chunk.sha256)).toEqual({ stored: true, length: 100_000 });
    expectBytes(await chunks.download(chunk.sha256), chunk.bytes);
  });

  it('resumes a 10 MiB upload from the offset the lake holds after a break', async () => {
    const chunk = chunkOf(10 * MiB);
    // The break: three parts reached the lake, then the connection dropped.
    for (let first = 0; first < 3 * MiB; first += MiB) {
      expect((await rawPart(chunk, first, first + MiB)).status).toBe(202);
    }
    const { fetch, sent } = recordingFetch();
    const chunks = channel({ partBytes: MiB, fetch });
    expect(await chunks.probe(chunk.sha256)).toEqual({ stored: false, offset: 3 * MiB });
    const progress: number[] = [];
    const result = await chunks.upload(chunk.sha256, chunk.bytes, {
      onProgress: (p) => progress.push(p.bytesDone),
    });
    expect(result).toEqual({ sha256: chunk.sha256, status: 'created', bytesSent: 7 * MiB });
    expect(result.bytesSent).toBeLessThan(chunk.bytes.byteLength);
    expect(progress).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((n) => n * MiB));
    expect(sent.slice(1).map((s) => s.method)).toEqual(['HEAD', ...Array<string>(7).fill('PUT')]);
    expect(sent[2]?.contentRange).toBe(`bytes ${3 * MiB}-${4 * MiB - 1}/${10 * MiB}`);
    expect(await chunks.probe(chunk.sha256)).toEqual({ stored: true, length: 10 * MiB });
    // Stored already: the probe answers, nothing is sent.
    expect(await chunks.upload(chunk.sha256, chunk.bytes)).toEqual({
      sha256: chunk.sha256,
      status: 'present',
      bytesSent: 0,
    });
    expectBytes(await chunks.download(chunk.sha256), chunk.bytes);
  });

  it('goes on from the offset a 409 names when another writer moved the upload', async () => {
    const chunk = chunkOf(4 * MiB);
    let raced = false;
    const { fetch, sent } = recordingFetch(async (init) => {
      // Between the probe (offset 0) and the first part, another device sends two parts.
      if (!raced && init?.method === 'PUT') {
        raced = true;
        await rawPart(chunk, 0, MiB);
        await rawPart(chunk, MiB, 2 * MiB);
      }
    });
    const chunks = channel({ partBytes: MiB, fetch });
    const result = await chunks.upload(chunk.sha256, chunk.bytes);
    // The refused part, then the two the other writer had not sent.
    expect(result).toEqual({ sha256: chunk.sha256, status: 'created', bytesSent: 3 * MiB });
    expect(sent.map((s) => s.contentRange)).toEqual([
      null,
      `bytes 0-${MiB - 1}/${4 * MiB}`,
      `bytes ${2 * MiB}-${3 * MiB - 1}/${4 * MiB}`,
      `bytes ${3 * MiB}-${4 * MiB - 1}/${4 * MiB}`,
    ]);
    expectBytes(await chunks.download(chunk.sha256), chunk.bytes);
  });

  it('surfaces a hash mismatch as the JioError, and the lake keeps nothing', async () => {
    const chunks = channel({ partBytes: MiB });
    const claimed = chunkOf(10).sha256;
    for (const bytes of [chunkOf(1000).bytes, chunkOf(3 * MiB).bytes]) {
      const error = await rejection(chunks.upload(claimed, bytes));
      expect(error).toMatchObject({ code: 'bad_request', status: 400 });
      expect(error.details.reason).toBe('hash_mismatch');
      expect(await chunks.probe(claimed)).toEqual({ stored: false, offset: 0 });
    }
  });

  it('downloads 10 MiB verified, whole or by parts', async () => {
    const chunk = chunkOf(10 * MiB);
    await channel().upload(chunk.sha256, chunk.bytes);

    const byParts = recordingFetch();
    const progress: number[] = [];
    const parts: number[] = [];
    const got = await channel({ partBytes: MiB, fetch: byParts.fetch }).download(chunk.sha256, {
      onProgress: (p) => {
        expect(p.bytesTotal).toBe(10 * MiB);
        progress.push(p.bytesDone);
      },
      onPart: (offset, bytes) => {
        expectBytes(bytes, chunk.bytes.subarray(offset, offset + bytes.byteLength));
        parts.push(offset);
      },
    });
    expectBytes(got, chunk.bytes);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => n * MiB));
    expect(parts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => n * MiB));
    expect(byParts.sent.map((s) => s.range)).toEqual(
      parts.map((offset) => `bytes=${offset}-${offset + MiB - 1}`),
    );

    // With the default 4 MiB parts and the length known: three ranges.
    const hinted = recordingFetch();
    const parted = await channel({ fetch: hinted.fetch }).download(chunk.sha256, {
      length: 10 * MiB,
    });
    expectBytes(parted, chunk.bytes);
    expect(hinted.sent.map((s) => s.range)).toEqual([
      `bytes=0-${4 * MiB - 1}`,
      `bytes=${4 * MiB}-${8 * MiB - 1}`,
      `bytes=${8 * MiB}-${10 * MiB - 1}`,
    ]);

    // Known to fit in one part: one plain GET.
    const whole = recordingFetch();
    const one = await channel({ partBytes: 16 * MiB, fetch: whole.fetch }).download(chunk.sha256, {
      length: 10 * MiB,
    });
    expectBytes(one, chunk.bytes);
    expect(whole.sent).toEqual([{ method: 'GET', range: null, contentRange: null }]);
  });

  it('downloadRange answers a range, clamps its end and refuses one outside', async () => {
    const chunk = chunkOf(5000);
    const chunks = channel();
    await chunks.upload(chunk.sha256, chunk.bytes);
    expectBytes(await chunks.downloadRange(chunk.sha256, 100, 200), chunk.bytes.subarray(100, 200));
    expectBytes(await chunks.downloadRange(chunk.sha256, 4990, 9000), chunk.bytes.subarray(4990));
    expect(await rejection(chunks.downloadRange(chunk.sha256, 5000, 5001))).toMatchObject({
      code: 'range_not_satisfiable',
    });
    expect(await rejection(chunks.downloadRange(chunk.sha256, 10, 10))).toMatchObject({
      code: 'bad_request',
    });
  });

  it('probes an unknown chunk as not stored, and cannot download it', async () => {
    const chunks = channel();
    const unknown = chunkOf(10).sha256;
    expect(await chunks.probe(unknown)).toEqual({ stored: false, offset: 0 });
    expect(await rejection(chunks.download(unknown))).toMatchObject({ code: 'not_found' });
  });

  it('refuses a malformed hash before any request', async () => {
    const { fetch, sent } = recordingFetch();
    const chunks = channel({ fetch });
    const bytes = new Uint8Array(10);
    for (const bad of ['', 'A'.repeat(64), 'a'.repeat(63), '../../meta.sqlite', 42]) {
      const hash = bad as string;
      for (const call of [
        () => chunks.probe(hash),
        () => chunks.upload(hash, bytes),
        () => chunks.download(hash),
        () => chunks.downloadRange(hash, 0, 1),
      ]) {
        const error = await rejection(call());
        expect(error).toMatchObject({ code: 'bad_request' });
        expect(error.details.reason).toBe('invalid_hash');
      }
    }
    expect(sent).toEqual([]);
  });

  it('honours an abort signal, before and between parts', async () => {
    const chunk = chunkOf(4 * MiB);
    await channel().upload(chunk.sha256, chunk.bytes);
    const { fetch, sent } = recordingFetch();
    const chunks = channel({ partBytes: MiB, fetch });
    const reason = new Error('stopped by the user');
    await expect(chunks.download(chunk.sha256, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(sent).toEqual([]);

    const controller = new AbortController();
    await expect(
      chunks.download(chunk.sha256, {
        signal: controller.signal,
        onProgress: () => {
          controller.abort(reason);
        },
      }),
    ).rejects.toBe(reason);
    expect(sent).toHaveLength(1);

    const upload = new AbortController();
    const other = chunkOf(4 * MiB);
    await expect(
      chunks.upload(other.sha256, other.bytes, {
        signal: upload.signal,
        onProgress: (p) => {
          if (p.bytesDone >= MiB) upload.abort(reason);
        },
      }),
    ).rejects.toBe(reason);
    expect(await chunks.probe(other.sha256)).toEqual({ stored: false, offset: MiB });
  });
});

describe('LakeChunks when the network or the lake fails', () => {
  let server: Server;
  let fakeUrl: string;
  let handle: (request: IncomingMessage, response: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fakeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const version = { [API_VERSION_HEADER]: String(API_VERSION) };
  const chunk = chunkOf(1000);

  it('a lake that is down is unavailable (offline)', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const chunks = channel({ url: `http://127.0.0.1:${port}` });
    for (const call of [
      () => chunks.probe(chunk.sha256),
      () => chunks.upload(chunk.sha256, chunk.bytes),
      () => chunks.download(chunk.sha256),
    ]) {
      const error = await rejection(call());
      expect(error.code).toBe('unavailable');
      expect(error.details.reason).toBe('offline');
    }
  });

  it('a body cut short is unavailable, never a short buffer', async () => {
    const chunks = channel({ url: fakeUrl });
    // The connection drops mid-body.
    handle = (_request, response) => {
      response.writeHead(200, { ...version, 'content-length': '1000' });
      response.write(chunk.bytes.subarray(0, 500), () => response.destroy());
    };
    const dropped = await rejection(chunks.download(chunk.sha256));
    expect(dropped.code).toBe('unavailable');
    // A body that ends cleanly, but short of the range it announced.
    handle = (_request, response) => {
      response.writeHead(206, { ...version, 'content-range': 'bytes 0-999/1000' });
      response.end(chunk.bytes.subarray(0, 500));
    };
    const short = await rejection(chunks.download(chunk.sha256));
    expect(short).toMatchObject({ code: 'unavailable', details: { reason: 'truncated' } });
    const shortRange = await rejection(chunks.downloadRange(chunk.sha256, 0, 1000));
    expect(shortRange).toMatchObject({ code: 'unavailable', details: { reason: 'truncated' } });
  });

  it("a proxy's 502 or 503 page is unavailable", async () => {
    const chunks = channel({ url: fakeUrl });
    for (const status of [502, 503]) {
      handle = (_request, response) => {
        response.writeHead(status, { 'content-type': 'text/html' });
        response.end('<html><body>Bad gateway</body></html>');
      };
      for (const call of [
        () => chunks.probe(chunk.sha256),
        () => chunks.upload(chunk.sha256, chunk.bytes),
        () => chunks.download(chunk.sha256),
      ]) {
        const error = await rejection(call());
        expect(error.code).toBe('unavailable');
        // HEAD answers have no body to name the status by: the status alone says it.
        expect(error.details.reason).toBe(`http_${status}`);
      }
    }
  });

  it('bytes that do not match their hash are refused', async () => {
    const chunks = channel({ url: fakeUrl });
    const other = chunkOf(1000);
    handle = (_request, response) => {
      response.writeHead(200, { ...version, 'content-length': '1000' });
      response.end(other.bytes);
    };
    const error = await rejection(chunks.download(chunk.sha256));
    expect(error).toMatchObject({ code: 'bad_request', details: { reason: 'hash_mismatch' } });
  });

  it('stops an upload the lake keeps refusing instead of looping', async () => {
    const big = chunkOf(3000);
    const chunks = channel({ url: fakeUrl, partBytes: 1000 });
    // What the fake lake answers: the probe's offset, the 409's offset (none: no header).
    const lakeSays: { held: string; conflictOffset?: string } = { held: '0' };
    let puts = 0;
    handle = (request, response) => {
      if (request.method === 'HEAD') {
        response.writeHead(404, { ...version, [UPLOAD_OFFSET_HEADER]: lakeSays.held });
        response.end();
        return;
      }
      puts++;
      request.resume();
      response.writeHead(409, {
        ...version,
        'content-type': 'application/json',
        ...(lakeSays.conflictOffset === undefined
          ? {}
          : { [UPLOAD_OFFSET_HEADER]: lakeSays.conflictOffset }),
      });
      response.end('{}');
    };
    const conflict = { code: 'conflict', details: { reason: 'offset_mismatch' } };
    // A 409 that does not say where to resume.
    expect(await rejection(chunks.upload(big.sha256, big.bytes))).toMatchObject(conflict);
    expect(puts).toBe(1);
    // A 409 that names another offset every time: a bounded number of tries.
    lakeSays.conflictOffset = '1000';
    expect(await rejection(chunks.upload(big.sha256, big.bytes))).toMatchObject(conflict);
    expect(puts).toBe(1 + 9);
    // An unfinished upload holding as much as the chunk or more: nothing to resume, so the
    // whole chunk goes in one verified PUT (here refused too, and that refusal surfaces).
    lakeSays.held = '5000';
    expect(await rejection(chunks.upload(big.sha256, big.bytes))).toMatchObject({
      code: 'conflict',
    });
    expect(puts).toBe(11);
  });
});

// The lake as `npm start` runs it, in its own process: graceful shutdown that lets in-flight
// writes finish, live change notifications, HTTPS with --tls-cert/--tls-key, and a full disk
// answered with 507 without losing anything already acknowledged.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawRequest, startLakeProcess } from './test-support/lake-process.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-process-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('lake process', () => {
  it('finishes an in-flight upload on SIGTERM, then exits 0; the chunk is there after restart', async () => {
    const dir = await tempDir();
    const lake = await startLakeProcess(dir);
    const bytes = randomBytes(4 * 1024 * 1024);
    const hash = sha(bytes);
    // A slow client: the body arrives in pieces over ~1 s; SIGTERM lands in the middle.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 512 * 1024) {
          controller.enqueue(bytes.subarray(offset, offset + 512 * 1024));
          await new Promise((resolve) => setTimeout(resolve, 120));
        }
        controller.close();
      },
    });
    const upload = fetch(`${lake.url}/api/chunks/${hash}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${lake.token}`,
        'content-type': 'application/octet-stream',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exit = lake.stop('SIGTERM');
    expect((await upload).status).toBe(201);
    expect(await exit).toBe(0);
    const again = await startLakeProcess(dir);
    try {
      const head = await fetch(`${again.url}/api/chunks/${hash}`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${again.token}` },
      });
      expect(head.status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 60_000);

  it('notifies live listeners of changes over Server-Sent Events', async () => {
    const lake = await startLakeProcess(await tempDir());
    try {
      const controller = new AbortController();
      const response = await fetch(`${lake.url}/api/changes/live`, {
        headers: { authorization: `Bearer ${lake.token}` },
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('fieldlake-api-version')).toBe('1');
      const reader = response.body?.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const read = async (pattern: RegExp): Promise<void> => {
        while (!pattern.test(text)) {
          const next = await reader?.read();
          if (next === undefined || next.done) throw new Error(`stream ended: ${text}`);
          text += decoder.decode(next.value);
        }
      };
      await read(/event: hello/);
      await fetch(`${lake.url}/api/docs/note`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${lake.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hi' }),
      });
      await read(/event: change\ndata: \{"seq":\d+\}/);
      controller.abort();
    } finally {
      await lake.stop();
    }
  }, 60_000);

  it('serves HTTPS with --tls-cert and --tls-key, with Secure session cookies', async () => {
    const dir = await tempDir();
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const lake = await startLakeProcess(path.join(dir, 'data'), [
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ]);
    try {
      expect(lake.url).toMatch(/^https:\/\//);
      const health = await rawRequest(`${lake.url}/api/health`);
      expect(health.status).toBe(200);
      const signIn = await rawRequest(`${lake.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'fll_not-a-valid-link-secret-but-well-formed-xxxxxxxxx' }),
      });
      expect(signIn.status).toBe(401);
      // The link printed at start was used to sign in; a new session through a fresh link.
      const link = await rawRequest(`${lake.url}/api/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lake.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'tls-user', role: 'analyst' }),
      });
      const created = JSON.parse(link.body.toString()) as { link: string };
      const session = await rawRequest(created.link);
      expect(session.status).toBe(303);
      expect(String(session.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict.*; Secure/);
    } finally {
      await lake.stop();
    }
  }, 60_000);
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('full disk (a 4 MiB tmpfs)', () => {
  it('answers 507 and keeps everything acknowledged before, across a restart once room is made', async () => {
    const dir = path.join(await tempDir(), 'data');
    await mkdir(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir]);
    try {
      const lake = await startLakeProcess(dir);
      const acked: string[] = [];
      let full: Response | undefined;
      try {
        for (let i = 0; i < 64 && full === undefined; i++) {
          const bytes = randomBytes(256 * 1024);
          const hash = sha(bytes);
          const response = await fetch(`${lake.url}/api/chunks/${hash}`, {
            method: 'PUT',
            headers: {
              authorization: `Bearer ${lake.token}`,
              'content-type': 'application/octet-stream',
            },
            body: bytes,
          });
          if (response.status === 201) acked.push(hash);
          else full = response;
        }
        expect(full?.status).toBe(507);
        expect(await full?.json()).toMatchObject({ error: { code: 'insufficient_storage' } });
        expect(acked.length).toBeGreaterThan(0);
      } finally {
        await lake.stop();
      }
      // The operator makes room (a full disk at start-up also needs room for the sign-in link
      // and the Zarr view's catch-up), then restarts: everything acknowledged is still there.
      execFileSync('mount', ['-o', 'remount,size=8m', dir]);
      const again = await startLakeProcess(dir);
      try {
        for (const hash of acked) {
          const response = await fetch(`${again.url}/api/chunks/${hash}`, {
            headers: { authorization: `Bearer ${again.token}` },
          });
          expect(sha(new Uint8Array(await response.arrayBuffer()))).toBe(hash);
        }
      } finally {
        await again.stop();
      }
    } finally {
      execFileSync('umount', [dir]);
    }
  }, 60_000);
});

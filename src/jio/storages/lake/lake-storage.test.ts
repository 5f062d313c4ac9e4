// The `lake` storage against real lakes: the conformance suite, then what only a remote storage
// meets — another API version, no network, refused credentials, the lake's opaque checkpoints.
//
// Each conformance test needs an empty lake, and the lake has (and must have) no wipe. A lake
// process per test (`server/cli.ts`) was measured here: 1.2–1.5 s of CPU and 3–6 s of wall time
// per start on this 2-core machine, 99 s for the file with two starting ahead. So the
// conformance lakes are opened inside one host process instead, with the server's own test
// helper (server/test-support/test-lake.ts: the same openLake and buildServer as the CLI, on a
// real port, each lake on its own data directory): about 0.15 s per lake. The CLI itself is
// still what the lake-specific tests below run against: one `server/cli.ts` process, signed in
// through the one-time link it prints, as a user would.
//
// A Node test: it starts processes and servers, hence the Node built-ins below, which the layer
// rule forbids to browser code under src/ (this file is never bundled). The server is reached
// only through child processes and HTTP, never imported.
/* eslint-disable fieldlake/import-boundaries -- Node-only test: spawns lake processes */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
/* eslint-enable fieldlake/import-boundaries */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, API_VERSION_HEADER } from '../../../shared/wire/api.ts';
import { runStorageConformance } from '../../conformance/storage.suite.ts';
import { JioError } from '../../errors.ts';
import { createStorageRegistry } from '../../registry.ts';
import type { Checkpoint, Storage } from '../../types.ts';
import { createLakeStorage, registerLakeStorage, type VersionMismatch } from './index.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** SIGTERM (a lake drains and closes its stores), SIGKILL after 5 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** `node --import tsx`, not the tsx binary, whose SIGKILL would leave its node child running. */
function spawnTsx(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

interface LakeAddress {
  url: string;
  /** Bearer secret of an admin session. */
  token: string;
}

// The host: one line of JSON in per request ({id, command: 'open' | 'close', url}), one out per
// answer. It closes every lake (removing its data) when its stdin ends.
const hostProgram = `
import { createInterface } from 'node:readline';
const { startTestLake } = await import(process.env.FIELDLAKE_TEST_LAKE);
const lakes = new Map();
const pending = new Set();
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const { id, command, url } = JSON.parse(line);
    const done = (async () => {
      try {
        if (command === 'open') {
          const lake = await startTestLake({ listen: true });
          lakes.set(lake.url, lake);
          reply({ id, url: lake.url, token: lake.adminToken });
        } else {
          const lake = lakes.get(url);
          lakes.delete(url);
          await lake?.close();
          reply({ id });
        }
      } catch (error) {
        reply({ id, error: String(error?.stack ?? error) });
      }
    })();
    pending.add(done);
    void done.finally(() => pending.delete(done));
  })
  .on('close', async () => {
    await Promise.allSettled(pending);
    await Promise.allSettled([...lakes.values()].map((lake) => lake.close()));
    process.exit(0);
  });
`;

/** Many empty lakes, each on its own port and data directory, in one host process. */
class LakeHost {
  readonly #child = spawnTsx(['--input-type=module', '--eval', hostProgram], {
    FIELDLAKE_TEST_LAKE: pathToFileURL(path.join(root, 'server/test-support/test-lake.ts')).href,
  });
  readonly #waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  readonly #closes: Promise<unknown>[] = [];
  #next = 0;
  #stderr = '';
  #ahead: Promise<LakeAddress> | undefined;

  constructor() {
    this.#child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.#stderr += text;
    });
    if (this.#child.stdout !== null) {
      createInterface({ input: this.#child.stdout }).on('line', (line) => {
        const answer = JSON.parse(line) as Record<string, unknown>;
        const resolve = this.#waiting.get(Number(answer.id));
        this.#waiting.delete(Number(answer.id));
        resolve?.(answer);
      });
    }
    this.#child.once('exit', (code) => {
      const error = { error: `the lake host exited (${String(code)}):\n${this.#stderr}` };
      for (const resolve of this.#waiting.values()) resolve(error);
      this.#waiting.clear();
    });
  }

  async #ask(command: 'open' | 'close', url?: string): Promise<Record<string, unknown>> {
    const id = this.#next++;
    const answer = new Promise<Record<string, unknown>>((resolve) => {
      this.#waiting.set(id, resolve);
    });
    this.#child.stdin?.write(`${JSON.stringify({ id, command, url })}\n`);
    const result = await answer;
    if (typeof result.error === 'string') throw new Error(result.error);
    return result;
  }

  async #open(): Promise<LakeAddress> {
    const { url, token } = await this.#ask('open');
    if (typeof url !== 'string' || typeof token !== 'string') throw new Error('bad host answer');
    return { url, token };
  }

  /** An empty lake; the next one is opened meanwhile, so a test rarely waits. */
  async open(): Promise<LakeAddress> {
    const lake = this.#ahead ?? this.#open();
    this.#ahead = this.#open();
    // Failures surface in the open() that takes it, never as an unhandled rejection meanwhile.
    this.#ahead.catch(() => undefined);
    return lake;
  }

  release(url: string): void {
    this.#closes.push(this.#ask('close', url).catch(() => undefined));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.#ahead, ...this.#closes]);
    this.#child.stdin?.end();
    const exited = new Promise<void>((resolve) =>
      this.#child.once('exit', () => {
        resolve();
      }),
    );
    const timer = setTimeout(() => void stopProcess(this.#child), 10_000);
    if (this.#child.exitCode === null && this.#child.signalCode === null) await exited;
    clearTimeout(timer);
  }
}

interface CliLake extends LakeAddress {
  child: ChildProcess;
  dir: string;
}

/** `server/cli.ts` on a new data directory, signed in through the one-time link it prints. */
async function startCliLake(): Promise<CliLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-lake-storage-'));
  const child = spawnTsx([
    'server/cli.ts',
    '--port',
    '0',
    '--data',
    dir,
    '--demo',
    '0',
    '--log-level',
    'warn',
  ]);
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const printed = await new Promise<{ url: string; link: string }>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => {
      fail(new Error(`the lake did not start within 60 s:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const url = /running at (http:\/\/\S+?)\/? /.exec(stdout)?.[1];
      const link = /one-time link \(valid 24 h\): (\S+)/.exec(stdout)?.[1];
      if (url !== undefined && link !== undefined) {
        clearTimeout(timer);
        resolve({ url, link });
      }
    });
    child.once('exit', (code) => {
      fail(new Error(`the lake exited (${String(code)}) before it was ready:\n${stderr}`));
    });
  });
  const response = await fetch(`${printed.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: new URL(printed.link).searchParams.get('token') }),
  });
  const body = (await response.json()) as { token?: unknown };
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(`Sign-in with the admin link failed: ${response.status}`);
  }
  return { url: printed.url, token: body.token, child, dir };
}

const started = performance.now();
let host: LakeHost | undefined;
// Started at once, so its 3–6 s overlap the conformance tests.
let cliLake: Promise<CliLake> | undefined;

beforeAll(() => {
  host = new LakeHost();
  cliLake = startCliLake();
  cliLake.catch(() => undefined);
});

afterAll(async () => {
  await Promise.all([
    host?.stop(),
    cliLake?.then(
      async (lake) => {
        await stopProcess(lake.child);
        await rm(lake.dir, { recursive: true, force: true });
      },
      () => undefined,
    ),
  ]);
  // Kept in the output: this file's duration is what the choice above is about.
  console.info(`lake-storage.test.ts: ${Math.round(performance.now() - started)} ms`);
  // Stopping waits for a lake opened ahead and for process exits: slow on a loaded machine.
}, 90_000);

const urlOf = new Map<Storage, string>();

runStorageConformance('lake (live server)', {
  async open() {
    if (host === undefined) throw new Error('no lake host');
    const lake = await host.open();
    const storage = createLakeStorage({ url: lake.url, token: lake.token });
    urlOf.set(storage, lake.url);
    return storage;
  },
  async dispose(storage) {
    await storage.close();
    const url = urlOf.get(storage);
    urlOf.delete(storage);
    if (url !== undefined) host?.release(url);
  },
  queries: true,
});

async function rejection(promise: Promise<unknown>): Promise<JioError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JioError);
  return error as JioError;
}

/** A stand-in server: answers every request with `answer`, records what it was asked. */
async function fakeServer(
  answer: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

function answerJson(version: string | null, status: number, body: unknown) {
  return (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(version === null ? {} : { [API_VERSION_HEADER]: version }),
    });
    response.end(JSON.stringify(body));
  };
}

describe('lake storage: what only a remote storage meets', () => {
  it.each([
    [API_VERSION + 1, 'lake_too_new', /newer than this app/],
    [API_VERSION - 1, 'lake_too_old', /older than this app/],
  ] as const)(
    'a lake of API version %i is refused with %s, keeping local data',
    async (version, reason, wording) => {
      const fake = await fakeServer(answerJson(String(version), 200, { v: 1, _rev: '1-a' }));
      const seen: VersionMismatch[] = [];
      const storage = createLakeStorage({
        url: fake.url,
        token: 'fls_x',
        onVersionMismatch: (mismatch) => seen.push(mismatch),
      });
      try {
        for (let i = 0; i < 2; i++) {
          const error = await rejection(storage.get('a'));
          expect(error.code).toBe('unavailable');
          expect(error.details.reason).toBe(reason);
          expect(error.message).toMatch(wording);
          expect(error.message).toMatch(/local data is kept/);
        }
        // Told once, not on every call.
        expect(seen).toEqual([{ reason, lakeVersion: version, appVersion: API_VERSION }]);
      } finally {
        await closeServer(fake.server);
      }
    },
  );

  it('refuses an error envelope too when the version differs', async () => {
    const fake = await fakeServer(
      answerJson(String(API_VERSION + 1), 404, {
        error: { code: 'not_found', status: 404, message: 'x' },
      }),
    );
    try {
      const error = await rejection(createLakeStorage({ url: fake.url }).get('a'));
      expect(error.details.reason).toBe('lake_too_new');
    } finally {
      await closeServer(fake.server);
    }
  });

  it('a closed port is "unavailable" with reason offline', async () => {
    const fake = await fakeServer(answerJson(String(API_VERSION), 200, {}));
    await closeServer(fake.server);
    const error = await rejection(createLakeStorage({ url: fake.url }).get('a'));
    expect(error.code).toBe('unavailable');
    expect(error.details.reason).toBe('offline');
    expect(error.message).toContain(fake.url);
  });

  it("a proxy's HTML error page becomes a clear error with its status", async () => {
    const fake = await fakeServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body>Bad Gateway</body></html>');
    });
    try {
      const error = await rejection(createLakeStorage({ url: fake.url }).allDocs());
      expect(error.code).toBe('unavailable');
      expect(error.details.reason).toBe('http_502');
      expect(error.message).toMatch(/HTTP 502.*text\/html/);
    } finally {
      await closeServer(fake.server);
    }
  });

  it('a 200 without the version header is not taken for a lake', async () => {
    const fake = await fakeServer(answerJson(null, 200, { data: { rows: [], total_rows: 0 } }));
    try {
      const error = await rejection(createLakeStorage({ url: fake.url }).allDocs());
      expect(error.details.reason).toBe('not_a_lake');
    } finally {
      await closeServer(fake.server);
    }
  });

  it('aborting during a request rejects with the abort reason', async () => {
    // Never answers: only the abort can end the call.
    const fake = await fakeServer(() => undefined);
    try {
      const controller = new AbortController();
      const call = createLakeStorage({ url: fake.url }).get('a', { signal: controller.signal });
      setTimeout(() => {
        controller.abort();
      }, 50);
      await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await closeServer(fake.server);
    }
  });

  it('passes an opaque checkpoint back verbatim and encodes ids in paths', async () => {
    const fake = await fakeServer(
      answerJson(String(API_VERSION), 200, { results: [], last_seq: '17.3.5.4' }),
    );
    try {
      const storage = createLakeStorage({ url: `${fake.url}/`, token: 'fls_x' });
      const first = await storage.changes({ since: 12, limit: 5 });
      expect(first.last_seq).toBe('17.3.5.4');
      await storage.changes({ since: first.last_seq });
      await storage.get('a/b ?#%').catch(() => undefined);
      expect(fake.requests).toEqual([
        '/api/changes?since=12&limit=5',
        '/api/changes?since=17.3.5.4&limit=1000',
        '/api/docs/a%2Fb%20%3F%23%25',
      ]);
      await rejection(storage.changes({ since: '' }));
      await rejection(storage.changes({ since: 1.5 }));
    } finally {
      await closeServer(fake.server);
    }
  });

  it('a content type that cannot be a header is a 400, not "offline"', async () => {
    const fake = await fakeServer(answerJson(String(API_VERSION), 200, {}));
    try {
      const storage = createLakeStorage({ url: fake.url });
      const error = await rejection(
        storage.putAttachment('a', 'b', new Uint8Array([1]), { contentType: 'text/plain\nx: y' }),
      );
      expect(error.code).toBe('bad_request');
      expect(error.details.reason).toBe('invalid_header');
      expect(fake.requests).toEqual([]);
    } finally {
      await closeServer(fake.server);
    }
  });

  it('is registered as type "lake"', async () => {
    const registry = createStorageRegistry();
    registerLakeStorage(registry);
    const fake = await fakeServer(answerJson(String(API_VERSION), 200, { v: 1, _rev: '1-a' }));
    try {
      expect(await registry.create({ type: 'lake', url: fake.url }).get('a')).toEqual({
        v: 1,
        _rev: '1-a',
      });
      for (const spec of [
        { type: 'lake', url: 3 },
        { type: 'lake', url: 'ftp://x' },
      ]) {
        expect(() => registry.create(spec)).toThrow(JioError);
      }
    } finally {
      await closeServer(fake.server);
    }
  });

  describe('against a live lake', () => {
    let lake: CliLake;
    beforeAll(async () => {
      if (cliLake === undefined) throw new Error('no lake process');
      lake = await cliLake;
    }, 60_000);

    const api = async (method: string, route: string, token: string, body?: unknown) => {
      const response = await fetch(`${lake.url}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
      return (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    };

    it('unknown, revoked and expired credentials are "unauthorized" with the reason', async () => {
      const unknown = await rejection(
        createLakeStorage({ url: lake.url, token: `fls_${'A'.repeat(43)}` }).get('a'),
      );
      expect(unknown.code).toBe('unauthorized');
      expect(unknown.status).toBe(401);
      expect(unknown.details.reason).toBe('unknown');

      const device = await api('POST', '/api/tokens', lake.token, {
        kind: 'device',
        label: 'short-lived',
        expiresAt: Date.now() + 1000,
      });
      const expiring = createLakeStorage({ url: lake.url, token: String(device.secret) });
      await expiring.put('a', { v: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const expired = await rejection(expiring.get('a'));
      expect(expired.code).toBe('unauthorized');
      expect(expired.details.reason).toBe('expired');

      const { token } = await api('POST', '/api/session', lake.token, {
        token: new URL(
          String(
            (await api('POST', '/api/users', lake.token, { name: 'out', role: 'analyst' })).link,
          ),
        ).searchParams.get('token'),
      });
      await api('DELETE', '/api/session', String(token));
      const revoked = await rejection(
        createLakeStorage({ url: lake.url, token: String(token) }).get('a'),
      );
      expect(revoked.details.reason).toBe('revoked');
    });

    it("a technician's backfill checkpoint is an opaque string that round-trips", async () => {
      const admin = createLakeStorage({ url: lake.url, token: lake.token });
      await admin.put('site/north', { type: 'site', title: 'North' });
      for (let i = 0; i < 3; i++) await admin.put(`north/note${i}`, { site: 'site/north', i });
      await admin.put('public', { title: 'seen by everyone' });
      const created = await api('POST', '/api/users', lake.token, {
        name: 'tech',
        role: 'technician',
      });
      const { token } = await api('POST', '/api/session', lake.token, {
        token: new URL(String(created.link)).searchParams.get('token'),
      });
      const tech = createLakeStorage({ url: lake.url, token: String(token) });
      const before = await tech.changes();
      // Site-less documents only (other tests here write some too); none of site/north.
      expect(before.results.map((c) => c.id)).toContain('public');
      expect(before.results.some((c) => c.id.includes('north'))).toBe(false);

      await api('PATCH', `/api/users/${(created.user as { id: string }).id}`, lake.token, {
        sites: ['site/north'],
      });
      const seen: string[] = [];
      const checkpoints: Checkpoint[] = [];
      let since: Checkpoint = before.last_seq;
      for (;;) {
        const page = await tech.changes({ since, limit: 2 });
        if (page.results.length === 0) break;
        seen.push(...page.results.map((c) => c.id));
        since = page.last_seq;
        checkpoints.push(since);
      }
      expect(seen.sort()).toEqual(['north/note0', 'north/note1', 'north/note2', 'site/north']);
      expect(checkpoints.some((c) => typeof c === 'string')).toBe(true);
      // Nothing more once the backfill is done, from the last opaque checkpoint.
      expect((await tech.changes({ since })).results).toEqual([]);
    });

    it('ids and attachment names that need encoding reach the right document', async () => {
      const storage = createLakeStorage({ url: lake.url, token: lake.token });
      const id = 'a%2F/b?c#d e+f&g=h';
      await storage.put(id, { v: 1 });
      expect(await storage.get(id)).toMatchObject({ v: 1 });
      await storage.putAttachment(id, '../x?y#z', new Uint8Array([7]));
      expect(Object.keys(await storage.allAttachments(id))).toEqual(['../x?y#z']);
      for (const dots of ['.', '..']) {
        expect((await rejection(storage.get(dots))).details.reason).toBe('invalid_id');
      }
    });

    it('a closed storage refuses calls', async () => {
      const storage = createLakeStorage({ url: lake.url, token: lake.token });
      await storage.close();
      expect((await rejection(storage.allDocs())).details.reason).toBe('closed');
    });
  });
});

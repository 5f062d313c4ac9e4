// A real lake for tests: the embedded stores on a temp data directory, the whole app (auth,
// documents, chunks, reading), an admin with a session, and helpers to add users and tokens.
// Requests go through `app.inject` (no socket) or, with `listen: true`, a real port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildServer } from '../app.ts';
import { createSession, createToken, createUser, type IssuedTokenKind } from '../auth/accounts.ts';
import type { Role } from '../meta/types.ts';
import type { LakeSettings } from '../lake.ts';
import { type OpenLake, openLake } from '../lake-context.ts';

export interface TestLake {
  app: FastifyInstance;
  opened: OpenLake;
  dir: string;
  /** Bearer secret of an admin session. */
  adminToken: string;
  /** Base URL when started with `listen: true`. */
  url: string | undefined;
  /** A user with a session: its bearer secret. */
  addUser(name: string, role: Role, sites?: string[]): Promise<{ userId: string; token: string }>;
  /** A device or collector token: its secret. */
  addToken(kind: IssuedTokenKind, spec: { userId?: string; policy?: string }): Promise<string>;
  /** Headers for a bearer secret. */
  auth(token: string): { authorization: string };
  close(): Promise<void>;
}

export interface TestLakeOptions {
  listen?: boolean;
  now?: () => number;
  settings?: Partial<LakeSettings>;
  /** Reuse a data directory (restart tests); it is then not removed on close. */
  dir?: string;
}

export async function startTestLake(options: TestLakeOptions = {}): Promise<TestLake> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'fieldlake-lake-')));
  const log = pino({ level: 'silent' });
  const opened = await openLake({
    dataDir: dir,
    log,
    gcIntervalMs: 0,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  const app = await buildServer({ lake: opened, loggerInstance: log });
  let url: string | undefined;
  if (options.listen === true) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (typeof address === 'object' && address !== null) url = `http://127.0.0.1:${address.port}`;
  } else {
    await app.ready();
  }
  const { lake } = opened;
  const addUser = async (name: string, role: Role, sites: string[] = []) => {
    const { user } = await createUser(lake, { name, role, sites });
    const session = await createSession(lake, user.id);
    return { userId: user.id, token: session.secret };
  };
  const admin = await addUser('admin', 'admin');
  return {
    app,
    opened,
    dir,
    adminToken: admin.token,
    url,
    addUser,
    async addToken(kind, spec) {
      const { secret } = await createToken(lake, { kind, label: `test ${kind}`, ...spec });
      return secret;
    },
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    async close() {
      await app.close();
      await opened.close();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

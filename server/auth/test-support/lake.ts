// A Lake for the auth tests: a real SQLite store in a temporary directory and a clock the test
// moves; auth touches neither blobs nor the change feed, so those are inert.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { metaFile } from '../../data-layout.ts';
import { mapError } from '../../http/errors.ts';
import type { BlobStore } from '../../blobs/types.ts';
import type { Lake, LakeSettings } from '../../lake.ts';
import { openSqliteMetaStore } from '../../meta/sqlite/index.ts';
import type { Role } from '../../meta/types.ts';
import { createSession, createUser, DEFAULT_SESSION_TTL_MS, setPassword } from '../accounts.ts';
import { registerAuth, requireAdmin, requireUser } from '../auth-plugin.ts';
import { registerAuthRoutes } from '../routes.ts';

export interface TestLake {
  lake: Lake;
  /** Moves the lake's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export const START = Date.UTC(2026, 0, 1);

export async function openTestLake(settings: Partial<LakeSettings> = {}): Promise<TestLake> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-auth-'));
  let time = START;
  const now = () => time;
  const meta = await openSqliteMetaStore(metaFile(dir), { now });
  const lake: Lake = {
    meta,
    // Never called by auth: an empty object makes any use fail loudly.
    blobs: {} as BlobStore,
    changes: { notify: () => undefined, subscribe: () => () => undefined },
    now,
    settings: {
      publicUrl: 'http://lake.test:8080',
      secure: false,
      chunkGraceMs: 0,
      maxChunkBytes: 1024,
      sessionTtlMs: DEFAULT_SESSION_TTL_MS,
      ...settings,
    },
  };
  return {
    lake,
    advance(ms) {
      time += ms;
    },
    async close() {
      await meta.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SeededUser {
  id: string;
  name: string;
  /** A session secret (bearer) for the user. */
  session: string;
}

/** A user with a session, and a password when one is given. */
export async function seedUser(
  lake: Lake,
  name: string,
  role: Role,
  options: { password?: string; sites?: string[] } = {},
): Promise<SeededUser> {
  const { user } = await createUser(lake, { name, role, sites: options.sites ?? [] });
  if (options.password !== undefined) await setPassword(lake, user.id, options.password);
  const session = await createSession(lake, user.id);
  return { id: user.id, name, session: session.secret };
}

/**
 * The smallest app the auth routes run in: the lake's error envelope (mapError), Ajv refusing
 * unknown properties, a public health route, and probes behind the gate.
 */
export async function buildAuthApp(
  lake: Lake,
  options: {
    logger?: FastifyServerOptions['logger'];
    /** More routes, registered before the app is readied. */
    routes?: (app: FastifyInstance) => void;
  } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.setErrorHandler(async (error, _request, reply) => {
    const mapped = mapError(error);
    return reply.code(mapped.status).headers(mapped.headers).send(mapped.body);
  });
  registerAuth(app, lake);
  registerAuthRoutes(app, lake);
  app.get('/api/health', () => ({ status: 'ok' }));
  app.get('/api/probe', (request) => {
    const principal = requireUser(request);
    return {
      name: principal.name,
      role: principal.role,
      kind: principal.kind,
      sites: principal.sites,
    };
  });
  app.get('/api/probe/admin', (request) => ({ name: requireAdmin(request).name }));
  app.get('/api/probe/any', (request) => ({ principal: request.principal }));
  app.get('/', () => 'shell');
  options.routes?.(app);
  await app.ready();
  return app;
}

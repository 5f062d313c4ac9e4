// The lake's HTTP application: API routes under /api, the built PWA everywhere else.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import {
  API_VERSION,
  API_VERSION_HEADER,
  apiError,
  type HealthBody,
} from '../src/shared/wire/api.ts';
import { registerAuth } from './auth/auth-plugin.ts';
import { registerAuthRoutes } from './auth/routes.ts';
import { cacheControlFor } from './cache-policy.ts';
import { registerChunkRoutes } from './chunks/routes.ts';
import { registerAttachmentRoutes } from './docs/attachment-routes.ts';
import { registerLiveRoute } from './docs/live.ts';
import { registerDocRoutes } from './docs/routes.ts';
import { mapError } from './http/errors.ts';
import { registerIngestRoutes } from './ingest/routes.ts';
import { registerUploadRoutes } from './ingest/upload-routes.ts';
import type { OpenLake } from './lake-context.ts';
import { registerReadRoutes } from './read/routes.ts';
import { securityHeaders } from './security-headers.ts';
import { SERVER_VERSION } from './version.ts';

export interface ServerOptions {
  /** Directory of the built app (vite's output); when missing, only the API is served. */
  appDir?: string | undefined;
  /** Fastify logger setting: false in tests, pino options in the CLI. */
  logger?: FastifyServerOptions['logger'];
  /** A ready logger (the CLI's pino, shared with the lake's background work); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** The opened lake: without it only health and the app are served (the shell's own tests). */
  lake?: OpenLake;
  /** TLS key and certificate (PEM) for HTTPS on a LAN. */
  https?: { key: Buffer; cert: Buffer };
}

/** JSON bodies: a bulk push of 1 000 manifest pages fits; anything larger is a 413. */
const JSON_BODY_LIMIT = 64 * 1024 * 1024;

/** Builds the server without listening, so tests can `inject` requests. */
export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance === undefined
      ? { logger: options.logger ?? false }
      : { loggerInstance: options.loggerInstance }),
    return503OnClosing: true,
    bodyLimit: JSON_BODY_LIMIT,
    // Document ids may be 1 024 characters, percent-encoded up to 12 bytes each.
    routerOptions: { maxParamLength: 16 * 1024 },
    // Unknown fields are a 400, not silently dropped (Fastify's default strips them).
    ajv: { customOptions: { removeAdditional: false } },
    ...(options.https === undefined ? {} : { https: options.https }),
  }) as unknown as FastifyInstance;

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const mapped = mapError(error);
    if (mapped.internal) request.log.error({ err: error }, 'request failed');
    else if (mapped.status === 507) request.log.error({ err: error }, 'out of disk space');
    return reply.code(mapped.status).headers(mapped.headers).send(mapped.body);
  });

  // While shutting down, in-flight requests finish and their connections close after the
  // reply: a kept-alive connection would hold the shutdown for the keep-alive timeout (72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    for (const [name, value] of Object.entries(securityHeaders)) reply.header(name, value);
    reply.header(API_VERSION_HEADER, String(API_VERSION));
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', cacheControlFor(request.url.split('?')[0] ?? '/'));
    }
    return payload;
  });

  app.get('/api/health', (): HealthBody => ({
    status: 'ok',
    apiVersion: API_VERSION,
    version: SERVER_VERSION,
  }));

  const opened = options.lake;
  if (opened !== undefined) {
    const { lake, docs } = opened;
    const liveStreams = new Set<() => void>();
    registerAuth(app, lake);
    registerAuthRoutes(app, lake);
    registerDocRoutes(app, lake, docs);
    registerLiveRoute(app, lake, liveStreams);
    registerReadRoutes(app, lake);
    // Bytes routes take the request body as a stream: chunks and attachments go to disk as
    // they arrive, never whole into memory.
    await app.register(async (bytes) => {
      bytes.removeAllContentTypeParsers();
      bytes.addContentTypeParser('*', (_request, payload, done) => {
        done(null, payload);
      });
      registerChunkRoutes(bytes, lake);
      registerAttachmentRoutes(bytes, lake, docs);
      registerIngestRoutes(bytes, lake, opened.ingest);
      registerUploadRoutes(bytes, opened);
    });
    // Live streams never end on their own: close them so shutdown can drain the rest.
    app.addHook('preClose', async () => {
      for (const close of [...liveStreams]) close();
    });
  }

  const appDir = options.appDir;
  const indexHtml = appDir === undefined ? undefined : path.join(appDir, 'index.html');
  if (appDir !== undefined && indexHtml !== undefined && existsSync(indexHtml)) {
    await app.register(fastifyStatic, {
      root: appDir,
      wildcard: false,
      index: ['index.html'],
      // Our onSend hook decides Cache-Control per path; ETag/Last-Modified stay on so a
      // revalidation is a cheap 304.
      cacheControl: false,
      etag: true,
      lastModified: true,
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const urlPath = request.url.split('?')[0] ?? '/';
    // The API never falls back to the app shell: a client must see a JSON 404.
    if (urlPath === '/api' || urlPath.startsWith('/api/')) {
      return reply
        .code(404)
        .send(apiError('not_found', `No API route ${request.method} ${urlPath}`));
    }
    // Deep links (/datasets/x) are app routes: answer the shell so a reload works. A path
    // that names a file (has an extension) and does not exist is a real 404.
    const wantsPage =
      (request.method === 'GET' || request.method === 'HEAD') && !path.extname(urlPath);
    if (wantsPage && indexHtml !== undefined && existsSync(indexHtml)) {
      return reply.code(200).type('text/html; charset=utf-8').sendFile('index.html');
    }
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
  });

  return app;
}

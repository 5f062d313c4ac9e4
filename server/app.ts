// The lake's HTTP application: API routes under /api, the built PWA everywhere else.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  API_VERSION,
  API_VERSION_HEADER,
  API_ERROR_CODES,
  apiError,
  type ApiErrorCode,
  type HealthBody,
} from '../src/shared/wire/api.ts';
import { cacheControlFor } from './cache-policy.ts';
import { securityHeaders } from './security-headers.ts';
import { SERVER_VERSION } from './version.ts';

export interface ServerOptions {
  /** Directory of the built app (vite's output); when missing, only the API is served. */
  appDir?: string | undefined;
  /** Fastify logger setting: false in tests, pino options in the CLI. */
  logger?: FastifyServerOptions['logger'];
}

/** Builds the server without listening, so tests can `inject` requests. */
export async function buildServer(options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    return503OnClosing: true,
  });

  app.addHook('onSend', async (request, reply, payload) => {
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

  app.setErrorHandler(async (error: unknown, request, reply) => {
    const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
    const status = typeof statusCode === 'number' && statusCode >= 400 ? statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message = error instanceof Error ? error.message : String(error);
    return reply
      .code(status)
      .send(apiError(errorCodeFor(status), status >= 500 ? 'Internal server error' : message));
  });

  return app;
}

function errorCodeFor(status: number): ApiErrorCode {
  const match = Object.entries(API_ERROR_CODES).find(([, value]) => value === status);
  return match === undefined
    ? status >= 500
      ? 'internal'
      : 'bad_request'
    : (match[0] as ApiErrorCode);
}

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, API_VERSION_HEADER } from '../src/shared/wire/api.ts';
import { buildServer } from './app.ts';
import { securityHeaders } from './security-headers.ts';

let appDir: string;
let app: FastifyInstance;

beforeAll(async () => {
  appDir = await mkdtemp(path.join(tmpdir(), 'fieldlake-app-'));
  await mkdir(path.join(appDir, 'assets'));
  await writeFile(path.join(appDir, 'index.html'), '<!doctype html><title>Fieldlake shell</title>');
  await writeFile(path.join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  await writeFile(path.join(appDir, 'manifest.webmanifest'), '{"name":"Fieldlake"}');
  await writeFile(path.join(appDir, 'assets', 'index-DAJx3k9q.js'), 'console.log(1)');
  app = await buildServer({ appDir });
});

afterAll(async () => {
  await app.close();
  await rm(appDir, { recursive: true, force: true });
});

const everyKindOfPath = [
  ['GET', '/'],
  ['GET', '/index.html'],
  ['GET', '/sync'],
  ['GET', '/datasets/turbine-7/signals'],
  ['GET', '/sw.js'],
  ['GET', '/manifest.webmanifest'],
  ['GET', '/assets/index-DAJx3k9q.js'],
  ['GET', '/missing.png'],
  ['GET', '/api/health'],
  ['GET', '/api/unknown'],
  ['POST', '/api/health'],
  ['DELETE', '/api'],
] as const;

describe('security headers', () => {
  it.each(everyKindOfPath)(
    '%s %s carries every security header and the API version',
    async (method, url) => {
      const response = await app.inject({ method, url });
      for (const [name, value] of Object.entries(securityHeaders)) {
        expect(response.headers[name], name).toBe(value);
      }
      expect(response.headers[API_VERSION_HEADER]).toBe(String(API_VERSION));
    },
  );

  it('has a CSP without inline script or eval, with wasm and workers allowed', () => {
    const csp = securityHeaders['content-security-policy'] ?? '';
    const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src ')) ?? '';
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toMatch(/'unsafe-eval'/);
    expect(scriptSrc).toContain("'wasm-unsafe-eval'");
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("object-src 'none'");
  });

  it('makes the page cross-origin isolated', () => {
    expect(securityHeaders['cross-origin-opener-policy']).toBe('same-origin');
    expect(securityHeaders['cross-origin-embedder-policy']).toBe('require-corp');
  });
});

describe('routing', () => {
  it('answers GET /api/health', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', apiVersion: API_VERSION });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it.each(['/api/unknown', '/api/datasets/x/y', '/api', '/api/unknown?format=html'])(
    '%s is a JSON 404, never the app shell',
    async (url) => {
      const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.body).not.toContain('Fieldlake shell');
      expect(response.json()).toEqual({
        error: {
          code: 'not_found',
          status: 404,
          message: expect.stringContaining('/api') as unknown,
        },
      });
    },
  );

  it('answers a wrong method on an API route with a JSON 404', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/health' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toHaveProperty('error.code', 'not_found');
  });

  it.each(['/', '/sync', '/datasets/turbine-7/signals'])(
    'deep link %s answers the shell',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('Fieldlake shell');
    },
  );

  it('a missing file is a plain 404, not the shell', async () => {
    const response = await app.inject({ method: 'GET', url: '/missing.png' });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('Fieldlake shell');
  });
});

describe('cache headers', () => {
  it('hashed assets are immutable', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-DAJx3k9q.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it.each(['/', '/index.html', '/sync', '/sw.js', '/manifest.webmanifest'])(
    '%s is revalidated',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-cache');
    },
  );

  it('revalidation of the service worker is a cheap 304', async () => {
    const first = await app.inject({ method: 'GET', url: '/sw.js' });
    const etag = first.headers.etag;
    expect(typeof etag).toBe('string');
    const second = await app.inject({
      method: 'GET',
      url: '/sw.js',
      headers: { 'if-none-match': String(etag) },
    });
    expect(second.statusCode).toBe(304);
  });
});

describe('without a built app', () => {
  it('serves the API and answers 404 elsewhere', async () => {
    const bare = await buildServer({ appDir: path.join(appDir, 'does-not-exist') });
    try {
      expect((await bare.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
      expect((await bare.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

// The fault proxy against a tiny counting upstream: each fault's observable effect, the
// seeded determinism the sync harness relies on, rates, large bodies, closing mid-stall.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultKind, faultDraw, startFaultProxy } from './fault-proxy.ts';

let upstream: Server;
let upstreamUrl = '';
const arrivals: string[] = [];

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      arrivals.push(request.url ?? '');
      const sha = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
      const body = JSON.stringify({
        path: request.url,
        method: request.method,
        sha,
        pad: 'x'.repeat(2000),
      });
      response.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${String((upstream.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve));
});

function count(path: string): number {
  return arrivals.filter((arrival) => arrival === path).length;
}

async function forced(kind: FaultKind | 'pass', extra: { stallMs?: number } = {}) {
  return startFaultProxy({ target: upstreamUrl, seed: 1, force: () => kind, ...extra });
}

describe('fault proxy', () => {
  it('passes method, path, headers, status and body through', async () => {
    const proxy = await forced('pass');
    const response = await fetch(`${proxy.url}/echo?x=1`, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    const body = (await response.json()) as { path: string; method: string; sha: string };
    expect(body).toMatchObject({
      path: '/echo?x=1',
      method: 'POST',
      sha: createHash('sha256').update('hello').digest('hex'),
    });
    await proxy.close();
  });

  it('shows each fault as a client meets it', async () => {
    const cases: [FaultKind, string][] = [
      ['drop', '/drop'],
      ['replyLost', '/lost'],
      ['duplicate', '/dup'],
      ['truncate', '/cut'],
      ['error5xx', '/5xx'],
    ];
    for (const [kind, path] of cases) {
      const proxy = await forced(kind);
      const outcome = await fetch(`${proxy.url}${path}`, { method: 'PUT', body: 'x' })
        .then(async (response) => ({ status: response.status, text: await response.text() }))
        .catch(() => 'failed' as const);
      if (kind === 'drop') expect([outcome, count(path)]).toEqual(['failed', 0]);
      if (kind === 'replyLost') expect([outcome, count(path)]).toEqual(['failed', 1]);
      if (kind === 'duplicate') {
        expect(count(path)).toBe(2);
        expect(outcome).toMatchObject({ status: 201 });
      }
      if (kind === 'truncate') expect([outcome, count(path)]).toEqual(['failed', 1]);
      if (kind === 'error5xx') {
        expect(count(path)).toBe(0);
        expect(outcome).not.toBe('failed');
        expect([500, 502, 503]).toContain((outcome as { status: number }).status);
      }
      expect(proxy.stats()[kind]).toBe(1);
      await proxy.close();
    }
  });

  it('stalls then resets, and swaps a held request behind the next one', async () => {
    const stall = await forced('stall', { stallMs: 100 });
    const started = performance.now();
    await expect(fetch(`${stall.url}/stall`)).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(count('/stall')).toBe(0);
    await stall.close();

    const reorder = await startFaultProxy({
      target: upstreamUrl,
      seed: 1,
      force: (n) => (n === 0 ? 'reorder' : 'pass'),
    });
    const first = fetch(`${reorder.url}/first`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = fetch(`${reorder.url}/second`);
    await Promise.all([first, second]);
    expect(arrivals.indexOf('/second')).toBeLessThan(arrivals.indexOf('/first'));
    await reorder.close();
  });

  it('is deterministic per seed and respects the rates', async () => {
    const rates = {
      drop: 0.05,
      stall: 0,
      truncate: 0.05,
      error5xx: 0.05,
      duplicate: 0.05,
      reorder: 0,
      replyLost: 0.05,
    };
    const kinds = async () => {
      const proxy = await startFaultProxy({ target: upstreamUrl, seed: 42, faults: rates });
      for (let i = 0; i < 60; i++) {
        await fetch(`${proxy.url}/d/${String(i)}`)
          .then((r) => r.text())
          .catch(() => undefined);
      }
      const events = proxy
        .events()
        .map((event) => `${String(event.n)}:${event.path}:${event.kind}`);
      await proxy.close();
      return events;
    };
    expect(await kinds()).toEqual(await kinds());
    // The draw itself: 20 000 requests land within 1 % of each rate.
    const hits = { a: 0, b: 0 };
    for (let n = 0; n < 20_000; n++) {
      const draw = faultDraw(7, n);
      if (draw < 0.05) hits.a++;
      else if (draw < 0.1) hits.b++;
    }
    expect(hits.a / 20_000).toBeCloseTo(0.05, 2);
    expect(hits.b / 20_000).toBeCloseTo(0.05, 2);
  });

  it('carries a 2 MiB body intact, lets exempt requests pass, follows a new target', async () => {
    const proxy = await startFaultProxy({
      target: 'http://127.0.0.1:9', // nothing listens: 502 until the target is set
      seed: 3,
      faults: { drop: 1 },
      exempt: (_method, path) => path.startsWith('/free'),
    });
    expect((await fetch(`${proxy.url}/free/a`)).status).toBe(502);
    proxy.setTarget(upstreamUrl);
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    const response = await fetch(`${proxy.url}/free/big`, { method: 'PUT', body: big });
    const { sha } = (await response.json()) as { sha: string };
    expect(sha).toBe(createHash('sha256').update(big).digest('hex'));
    await expect(fetch(`${proxy.url}/not-free`)).rejects.toThrow();
    await proxy.close();
  });

  it('closes promptly with a stall in flight', async () => {
    const proxy = await forced('stall', { stallMs: 60_000 });
    const pending = fetch(`${proxy.url}/held`).catch(() => 'failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await proxy.close();
    expect(await pending).toBe('failed');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

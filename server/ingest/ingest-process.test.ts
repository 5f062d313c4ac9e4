// Ingestion against a lake process: a real collectd posting through write_http, and kill -9
// while a collector sends, followed by the collector resending everything it has no answer
// for — each request logged once, every record in place once.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { type LakeProcess, startLakeProcess } from '../test-support/lake-process.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fieldlake-ingest-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1);

async function api(
  lake: LakeProcess,
  method: string,
  url: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${lake.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${lake.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function setUp(lake: LakeProcess, signals: unknown[]): Promise<string> {
  const pushed = await api(lake, 'POST', '/api/bulk', {
    items: [
      { id: 'site/plant', doc: { type: 'site' } },
      { id: 'dataset/gw', doc: { type: 'dataset', site: 'site/plant' } },
      {
        id: 'policy/gw',
        doc: { type: 'ingestion-policy', site: 'site/plant', datasetId: 'dataset/gw', signals },
      },
    ],
  });
  expect(pushed.status).toBe(200);
  const token = await api(lake, 'POST', '/api/tokens', {
    kind: 'collector',
    policy: 'policy/gw',
    label: 'test',
  });
  expect(token.status).toBe(201);
  return ((await token.json()) as { secret?: string; token?: string }).secret ?? '';
}

async function waitForDone(lake: LakeProcess, expected: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const status = (await (await api(lake, 'GET', '/api/ingest/policy%2Fgw')).json()) as {
      requests: { pending: number; done: number; failed: number };
    };
    if (status.requests.pending === 0 && status.requests.done >= expected) {
      expect(status.requests.failed).toBe(0);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('ingestion did not finish');
}

async function csv(lake: LakeProcess, name: string): Promise<number[]> {
  const response = await api(
    lake,
    'GET',
    `/api/datasets/dataset%2Fgw/signals/${name}.csv?time=none`,
  );
  const text = await response.text();
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[1] ?? 'NaN'));
}

const hasCollectd = spawnSync('collectd', ['-h'], { stdio: 'ignore' }).error === undefined;

describe('ingestion, process level', () => {
  it('is exactly once across kill -9: every request resent until answered, each logged once', async () => {
    const dir = await tempDir();
    let lake = await startLakeProcess(dir);
    // A failing assertion must not leave a lake process behind.
    onTestFinished(async () => {
      await lake.stop();
    });
    const secret = await setUp(lake, [
      { field: 'v', name: 'v', sampleRate: 1, t0: new Date(T0).toISOString() },
    ]);
    // Wendelin-style msgpack would do as well; NDJSON keeps the test readable.
    const bodies = Array.from({ length: 40 }, (_, b) =>
      Array.from({ length: 5 }, (_, i) =>
        JSON.stringify({ date: (T0 + (b * 5 + i) * 1000) / 1000, v: b * 5 + i }),
      ).join('\n'),
    );
    const unanswered = new Set(bodies.keys());
    for (let round = 0; unanswered.size > 0 && round < 10; round++) {
      const sending = (async () => {
        for (const index of [...unanswered]) {
          const response = await fetch(
            `${lake.url}/api/ingest/policy%2Fgw?format=fluent-bit-json-lines`,
            {
              method: 'POST',
              headers: {
                authorization: `Bearer ${secret}`,
                'content-type': 'application/x-ndjson',
              },
              body: bodies[index],
            },
          ).catch(() => undefined);
          if (response !== undefined && (response.status === 202 || response.status === 200))
            unanswered.delete(index);
        }
      })();
      if (round < 2) {
        await new Promise((resolve) => setTimeout(resolve, 150 + 200 * round));
        await lake.stop('SIGKILL');
        await sending;
        lake = await startLakeProcess(dir);
      } else {
        await sending;
      }
    }
    expect(unanswered.size).toBe(0);
    await waitForDone(lake, 40);
    const values = await csv(lake, 'v');
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await lake.stop();
  }, 90_000);

  it.skipIf(!hasCollectd)(
    'takes what a real collectd sends with write_http',
    async () => {
      const dir = await tempDir();
      const lake = await startLakeProcess(path.join(dir, 'data'));
      try {
        const secret = await setUp(lake, [
          { field: 'load/load/shortterm', name: 'load', sampleRate: 1 },
          {
            field: 'memory/memory-used/value',
            name: 'memory-used',
            sampleRate: 1,
            dtype: 'float64',
            unit: 'B',
          },
        ]);
        const config = path.join(dir, 'collectd.conf');
        await writeFile(
          config,
          [
            'Hostname "gw-test"',
            'FQDNLookup false',
            'Interval 1',
            `BaseDir "${dir}"`,
            `PIDFile "${dir}/collectd.pid"`,
            'PluginDir "/usr/lib/collectd"',
            'TypesDB "/usr/share/collectd/types.db"',
            'LoadPlugin load',
            'LoadPlugin memory',
            'LoadPlugin write_http',
            '<Plugin write_http>',
            '  <Node "lake">',
            `    URL "${lake.url}/api/ingest/policy%2Fgw"`,
            '    Format "JSON"',
            `    Header "Authorization: Bearer ${secret}"`,
            '    BufferSize 4096',
            '  </Node>',
            '</Plugin>',
            '',
          ].join('\n'),
        );
        execFileSync('collectd', ['-t', '-C', config]);
        const daemon = spawn('collectd', ['-f', '-C', config], { stdio: 'ignore' });
        await new Promise((resolve) => setTimeout(resolve, 4500));
        daemon.kill('SIGTERM');
        await new Promise((resolve) => daemon.once('exit', resolve));
        await waitForDone(lake, 2);
        const load = await csv(lake, 'load');
        const memory = await csv(lake, 'memory-used');
        expect(load.filter((v) => !Number.isNaN(v)).length).toBeGreaterThanOrEqual(2);
        expect(memory.filter((v) => v > 1e6).length).toBeGreaterThanOrEqual(2);
      } finally {
        await lake.stop();
      }
    },
    60_000,
  );
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, parseArgs, UsageError } from './cli.ts';
import { formatMarkdown } from './results-md.ts';
import { resultFrom } from './stats.ts';
import type { BenchDefinition, BenchReport } from './types.ts';
import { assertValidReport } from './validate.ts';

const repoDir = fileURLToPath(new URL('../..', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fieldlake-bench-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanedUp: string[] = [];

const tiny: BenchDefinition = {
  name: 'tiny',
  description: 'A test-only benchmark.',
  run(ctx) {
    ctx.defer(() => cleanedUp.push('tiny'));
    return Promise.resolve([
      resultFrom(
        { case: 'sum/n1000/js', metric: 'time', unit: 'ms', direction: 'lower', backend: 'js' },
        ctx.quick ? [2] : [1, 2, 3],
        { name: 'other', samples: ctx.quick ? [4] : [4, 6, 8] },
      ),
    ]);
  },
};

const broken: BenchDefinition = {
  name: 'broken',
  description: 'Emits a result that breaks the contract.',
  run(ctx) {
    ctx.defer(() => cleanedUp.push('broken'));
    return Promise.resolve([
      {
        ...resultFrom(
          { case: 'x', metric: 'm', unit: 'u', direction: 'higher', backend: 'js' },
          [1],
        ),
        ratio: 3,
      },
    ]);
  },
};

function runMain(argv: string[], suites: readonly BenchDefinition[] = [tiny, broken]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = main(argv, {
    suites,
    resultsMd: path.join(dir, 'RESULTS.md'),
    defaultOut: path.join(dir, 'results'),
    repoDir: dir,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
  });
  return { status, out, err };
}

describe('parseArgs', () => {
  it('reads names and flags', () => {
    expect(parseArgs(['--', 'a', '--record', '--out', 'x', 'b', '--quick'])).toEqual({
      names: ['a', 'b'],
      record: true,
      quick: true,
      help: false,
      out: 'x',
    });
    expect(parseArgs(['--out=y']).out).toBe('y');
    expect(() => parseArgs(['--out'])).toThrow(UsageError);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown flag/);
  });
});

describe('main', () => {
  it('lists benchmarks and flags with --help', async () => {
    const run = runMain(['--help']);
    expect(await run.status).toBe(0);
    expect(run.out.join('\n')).toMatch(
      /tiny\s+A test-only benchmark[\s\S]*--record[\s\S]*--out DIR/,
    );
  });

  it('exits 2 with a clear error for an unknown name, and runs nothing', async () => {
    const run = runMain(['tiny', 'nope']);
    expect(await run.status).toBe(2);
    expect(run.err.join('\n')).toMatch(/unknown benchmark "nope"; known: tiny, broken/);
    await expect(readdir(path.join(dir, 'results'))).rejects.toThrow();
  });

  it('refuses to record a quick run', async () => {
    expect(await runMain(['tiny', '--record', '--quick']).status).toBe(2);
  });

  it('writes NAME.json to --out and records its section, keeping the others', async () => {
    const md = path.join(dir, 'RESULTS.md');
    await writeFile(md, '# Results\n\n<!-- bench:other -->\n\nkept\n\n<!-- /bench:other -->\n');
    const run = runMain(['tiny', '--out', path.join(dir, 'json'), '--record']);
    expect(await run.status).toBe(0);
    const report = JSON.parse(
      await readFile(path.join(dir, 'json', 'tiny.json'), 'utf8'),
    ) as unknown;
    assertValidReport(report);
    expect(report).toMatchObject({
      name: 'tiny',
      git: null,
      env: { chromium: null, gpuAdapter: null },
    });
    expect(report.results[0]).toMatchObject({ value: 2, peerValue: 6, ratio: 3, rounds: 3 });
    const doc = await readFile(md, 'utf8');
    expect(doc).toContain('<!-- bench:other -->\n\nkept\n\n<!-- /bench:other -->');
    expect(doc).toMatch(/<!-- bench:tiny -->\n\n## tiny\n[\s\S]*\n\n<!-- \/bench:tiny -->\n$/);
    const row = doc.split('\n').find((line) => line.includes('`sum/n1000/js`')) ?? '';
    expect(row.split('|').map((cell) => cell.trim())).toEqual([
      '',
      '`sum/n1000/js`',
      'time',
      'lower',
      'js',
      '2 ms',
      'other',
      '6 ms',
      '**3**',
      '3',
      '–',
      '–',
      '',
    ]);
    // prettier-clean, so `npm run format:check` passes after --record
    expect(await formatMarkdown(doc, md)).toBe(doc);
    expect(cleanedUp).toContain('tiny');
  });

  it('fails loudly (exit 1) on a result that breaks the contract, writes nothing for it, still runs the others', async () => {
    cleanedUp.length = 0;
    const run = runMain([]);
    expect(await run.status).toBe(1);
    expect(run.err.join('\n')).toMatch(
      /broken FAILED[\s\S]*"x": peer, peerValue and ratio must be all null or all set/,
    );
    expect(await readdir(path.join(dir, 'results'))).toEqual(['tiny.json']);
    expect(cleanedUp).toEqual(['tiny', 'broken']);
  });
});

describe('npm run bench (end to end)', () => {
  it('runs http-server quickly and writes JSON that meets the contract', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        tsx,
        path.join(repoDir, 'bench', 'run.ts'),
        'http-server',
        '--quick',
        '--out',
        dir,
      ],
      { cwd: repoDir, timeout: 25_000 },
    );
    expect(stdout).toMatch(/health-json\/c16\/net-keepalive\/fastify/);
    const report = JSON.parse(
      await readFile(path.join(dir, 'http-server.json'), 'utf8'),
    ) as BenchReport;
    assertValidReport(report);
    expect(report.name).toBe('http-server');
    expect(report.env.chromium).toBeNull();
    expect(report.git === null || /^[0-9a-f]+(-dirty)?$/.test(report.git)).toBe(true);
    for (const result of report.results) {
      expect(result).toMatchObject({
        direction: 'higher',
        unit: 'req/s',
        peer: 'node:http',
        backend: 'fastify',
      });
      expect(result.value).toBeGreaterThan(100);
      expect(result.ratio).toBeCloseTo(result.value / (result.peerValue ?? Number.NaN), 9);
    }
  });
});

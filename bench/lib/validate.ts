// Checks results and reports against the contract before anything is written, so a benchmark
// that emits a malformed figure fails loudly instead of polluting bench/results or RESULTS.md.
import { ratioOf } from './stats.ts';
import type { BenchReport, BenchResult } from './types.ts';

const resultKeys = [
  'case',
  'metric',
  'value',
  'unit',
  'direction',
  'backend',
  'speedFigure',
  'target',
  'peer',
  'peerValue',
  'ratio',
  'anchor',
  'rounds',
] as const satisfies readonly (keyof BenchResult)[];

const reportKeys = [
  'name',
  'date',
  'git',
  'env',
  'results',
] as const satisfies readonly (keyof BenchReport)[];
const envKeys = ['cpu', 'cores', 'node', 'chromium', 'gpuAdapter'] as const;
const adapterKeys = [
  'vendor',
  'architecture',
  'device',
  'description',
  'isFallbackAdapter',
] as const;

/** A case path: segments of letters, digits and `._:+-`, joined by `/`. */
export const casePattern = /^[A-Za-z0-9][\w.:+-]*(?:\/[\w.:+-]+)*$/;
/** A benchmark name as used on the command line and as a file name. */
export const namePattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const gitPattern = /^[0-9a-f]{4,40}(?:-dirty)?$/;

type Fields = Record<string, unknown>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function keyProblems(where: string, value: Fields, expected: readonly string[]): string[] {
  const problems: string[] = [];
  for (const key of expected) if (!(key in value)) problems.push(`${where}: missing "${key}"`);
  for (const key of Object.keys(value))
    if (!expected.includes(key)) problems.push(`${where}: unknown field "${key}"`);
  return problems;
}

/** Everything wrong with one result (empty when it meets the contract). */
export function resultProblems(result: unknown, where = 'result'): string[] {
  if (!isRecord(result)) return [`${where}: not an object`];
  const problems = keyProblems(where, result, resultKeys);
  const r = result;
  const label = typeof r.case === 'string' ? `${where} "${r.case}"` : where;
  const fail = (message: string) => problems.push(`${label}: ${message}`);

  if (typeof r.case !== 'string' || !casePattern.test(r.case))
    fail('case must be a path like "minmax/w1024/wasm/1worker"');
  if (!isNonEmptyString(r.metric)) fail('metric must be a non-empty string');
  if (!isFiniteNumber(r.value) || r.value < 0)
    fail(`value must be a finite number >= 0, got ${String(r.value)}`);
  if (!isNonEmptyString(r.unit)) fail('unit must be a non-empty string');
  if (r.direction !== 'higher' && r.direction !== 'lower')
    fail(`direction must be "higher" or "lower", got ${String(r.direction)}`);
  if (!isNonEmptyString(r.backend)) fail('backend must be a non-empty string');
  if (typeof r.speedFigure !== 'boolean') fail('speedFigure must be a boolean');
  if (r.target !== null && (!isFiniteNumber(r.target) || r.target < 0))
    fail('target must be a finite number >= 0 or null');
  if (r.anchor !== null && !isNonEmptyString(r.anchor))
    fail('anchor must be a non-empty string or null');
  if (!Number.isInteger(r.rounds) || (r.rounds as number) < 1)
    fail('rounds must be an integer >= 1');

  const peerParts = [r.peer, r.peerValue, r.ratio].filter((part) => part !== null).length;
  if (peerParts !== 0 && peerParts !== 3)
    fail('peer, peerValue and ratio must be all null or all set');
  if (peerParts === 3) {
    if (!isNonEmptyString(r.peer)) fail('peer must be a non-empty string or null');
    if (!isFiniteNumber(r.peerValue) || r.peerValue <= 0)
      fail('peerValue must be a finite number > 0 or null');
    if (!isFiniteNumber(r.ratio) || r.ratio <= 0) fail('ratio must be a finite number > 0 or null');
    if (
      isFiniteNumber(r.value) &&
      r.value > 0 &&
      isFiniteNumber(r.peerValue) &&
      r.peerValue > 0 &&
      isFiniteNumber(r.ratio) &&
      (r.direction === 'higher' || r.direction === 'lower')
    ) {
      const expected = ratioOf(r.direction, r.value, r.peerValue);
      if (Math.abs(r.ratio - expected) > 1e-9 * expected) {
        fail(
          `ratio ${r.ratio} does not match ${r.direction === 'higher' ? 'value/peerValue' : 'peerValue/value'} = ${expected}`,
        );
      }
    } else if (isFiniteNumber(r.value) && r.value === 0) {
      fail('value must be > 0 when compared with a peer');
    }
  }
  return problems;
}

/** Everything wrong with a whole report (empty when it meets the contract). */
export function reportProblems(report: unknown): string[] {
  if (!isRecord(report)) return ['report: not an object'];
  const problems = keyProblems('report', report, reportKeys);
  if (typeof report.name !== 'string' || !namePattern.test(report.name))
    problems.push('report: name must be lowercase words joined by "-"');
  if (
    typeof report.date !== 'string' ||
    Number.isNaN(Date.parse(report.date)) ||
    !report.date.includes('T')
  ) {
    problems.push('report: date must be an ISO 8601 date-time');
  }
  if (report.git !== null && (typeof report.git !== 'string' || !gitPattern.test(report.git))) {
    problems.push('report: git must be a short commit hash (with -dirty) or null');
  }
  const env = report.env;
  if (!isRecord(env)) {
    problems.push('report: env must be an object');
  } else {
    problems.push(...keyProblems('env', env, envKeys));
    if (!isNonEmptyString(env.cpu)) problems.push('env: cpu must be a non-empty string');
    if (!Number.isInteger(env.cores) || (env.cores as number) < 1)
      problems.push('env: cores must be an integer >= 1');
    if (!isNonEmptyString(env.node)) problems.push('env: node must be a non-empty string');
    if (env.chromium !== null && !isNonEmptyString(env.chromium))
      problems.push('env: chromium must be a string or null');
    const adapter = env.gpuAdapter;
    if (adapter !== null) {
      if (!isRecord(adapter)) {
        problems.push('env: gpuAdapter must be an object or null');
      } else {
        problems.push(...keyProblems('env.gpuAdapter', adapter, adapterKeys));
        for (const key of ['vendor', 'architecture', 'device', 'description'] as const) {
          if (typeof adapter[key] !== 'string')
            problems.push(`env.gpuAdapter: ${key} must be a string`);
        }
        if (typeof adapter.isFallbackAdapter !== 'boolean')
          problems.push('env.gpuAdapter: isFallbackAdapter must be a boolean');
      }
      if (env.chromium === null) problems.push('env: gpuAdapter is set but chromium is null');
    }
  }
  const results = report.results;
  if (!Array.isArray(results) || results.length === 0) {
    problems.push('report: results must be a non-empty array');
  } else {
    const seen = new Set<string>();
    results.forEach((result: unknown, index) => {
      problems.push(...resultProblems(result, `results[${index}]`));
      if (isRecord(result)) {
        const key = `${String(result.case)} ${String(result.metric)}`;
        if (seen.has(key)) problems.push(`results[${index}]: duplicate case and metric "${key}"`);
        seen.add(key);
      }
    });
  }
  return problems;
}

/** Throws one error listing every problem when `report` does not meet the contract. */
export function assertValidReport(report: unknown): asserts report is BenchReport {
  const problems = reportProblems(report);
  if (problems.length > 0) {
    throw new Error(`benchmark report breaks the contract:\n  - ${problems.join('\n  - ')}`);
  }
}

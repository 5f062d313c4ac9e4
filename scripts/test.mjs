// `npm test`: every check, one stage after another, with the time each took. A failing stage
// does not hide the others (except that browser stages need Chromium and e2e needs the build).
// Ends with the total test count of the runners (vitest, Playwright) and the stage table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const reports = path.join(root, 'test-results', 'reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const vitestReport = (project) => [
  'run',
  '--project',
  project,
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${path.join(reports, `vitest-${project}.json`)}`,
];

const stages = [
  { name: 'typecheck', command: process.execPath, args: ['scripts/typecheck.mjs'] },
  { name: 'lint', command: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  { name: 'format', command: bin('prettier'), args: ['--check', '--log-level', 'warn', '.'] },
  // The ingestion test runs a real collectd; without it that one test skips, and this stage fails.
  { name: 'collectd', command: process.execPath, args: ['scripts/ensure-collectd.mjs'] },
  // Before unit: the WebGPU kernels' Node tests run on Chromium's SwiftShader (and libvulkan1).
  {
    name: 'chromium',
    command: process.execPath,
    args: ['scripts/ensure-chromium.mjs'],
  },
  {
    name: 'unit',
    command: bin('vitest'),
    args: vitestReport('unit'),
    report: 'vitest-unit.json',
    needs: 'chromium',
  },
  {
    name: 'browser',
    command: bin('vitest'),
    args: vitestReport('browser'),
    report: 'vitest-browser.json',
    needs: 'chromium',
  },
  {
    name: 'build',
    command: process.execPath,
    args: ['scripts/prepare.mjs', '--build'],
  },
  {
    name: 'e2e',
    command: bin('playwright'),
    args: ['test'],
    report: 'e2e.json',
    needs: ['chromium', 'build'],
  },
];

// `npm test -- unit e2e` runs those stages and the ones they need.
const only = process.argv.slice(2);
const unknown = only.filter((name) => !stages.some((stage) => stage.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown stage ${unknown.join(', ')}; stages: ${stages.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}
const needed = new Set(
  only.flatMap((name) => [name, ...[stages.find((s) => s.name === name)?.needs ?? []].flat()]),
);
const results = [];
for (const stage of stages) {
  if (only.length > 0 && !needed.has(stage.name)) continue;
  const needs = [stage.needs ?? []].flat();
  const missing = needs.find((name) => results.find((r) => r.name === name)?.status !== 'passed');
  if (missing) {
    results.push({ name: stage.name, status: 'skipped', seconds: 0, why: `needs ${missing}` });
    continue;
  }
  process.stdout.write(`\n=== ${stage.name} ===\n`);
  const started = performance.now();
  const run = spawnSync(stage.command, stage.args, {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  const seconds = (performance.now() - started) / 1000;
  results.push({
    name: stage.name,
    status: run.status === 0 ? 'passed' : 'failed',
    seconds,
    report: stage.report,
  });
}

function counts(report) {
  const file = path.join(reports, report);
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, 'utf8'));
  if ('numPassedTests' in data) return { passed: data.numPassedTests, failed: data.numFailedTests };
  const stats = data.stats ?? {};
  return { passed: (stats.expected ?? 0) + (stats.flaky ?? 0), failed: stats.unexpected ?? 0 };
}

process.stdout.write('\nstage        result    time\n');
let passed = 0;
let failed = 0;
for (const result of results) {
  const tally = result.report ? counts(result.report) : undefined;
  if (tally) {
    passed += tally.passed;
    failed += tally.failed;
  }
  // A stage that failed without a failing test to show for it (typecheck, lint, a crashed
  // runner, a skipped stage) still counts as one failure in the closing line.
  if (result.status !== 'passed' && (tally === undefined || tally.failed === 0)) failed += 1;
  const detail = tally
    ? `  ${tally.passed} passed, ${tally.failed} failed`
    : result.why
      ? `  (${result.why})`
      : '';
  process.stdout.write(
    `${result.name.padEnd(12)} ${result.status.padEnd(8)} ${result.seconds.toFixed(1).padStart(6)} s${detail}\n`,
  );
}
const total = results.reduce((sum, r) => sum + r.seconds, 0);
process.stdout.write(`total                 ${total.toFixed(1).padStart(6)} s\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(results.every((r) => r.status === 'passed') ? 0 : 1);

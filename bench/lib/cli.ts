// The benchmark runner: `npm run bench -- [NAME…] [--record] [--out DIR] [--quick] [--help]`.
// Runs the named benchmarks (all when none is named), validates what each returns against the
// contract, writes DIR/NAME.json, and with --record rewrites NAME's section of bench/RESULTS.md.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { machineEnv, gitRevision } from './env.ts';
import { formatMarkdown, formatNumber, renderSection, rewriteSection } from './results-md.ts';
import type {
  BenchContext,
  BenchDefinition,
  BenchReport,
  BenchResult,
  GpuAdapterInfo,
} from './types.ts';
import { assertValidReport, namePattern } from './validate.ts';

export interface RunnerOptions {
  suites: readonly BenchDefinition[];
  /** The committed table rewritten by --record. */
  resultsMd: string;
  /** Where NAME.json goes without --out. */
  defaultOut: string;
  /** Directory whose git commit is recorded. */
  repoDir: string;
  /** Quick mode without --quick (e.g. FIELDLAKE_BENCH_QUICK=1). */
  quickByDefault?: boolean;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

export interface ParsedArgs {
  names: string[];
  record: boolean;
  quick: boolean;
  help: boolean;
  out: string | null;
}

/** Thrown for a command line the runner cannot act on (exit status 2). */
export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { names: [], record: false, quick: false, help: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--record') parsed.record = true;
    else if (arg === '--quick') parsed.quick = true;
    else if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
      if (value === undefined || value === '' || value.startsWith('--'))
        throw new UsageError('--out needs a directory');
      parsed.out = value;
    } else if (arg === '--') continue;
    else if (arg.startsWith('-')) throw new UsageError(`unknown flag ${arg}`);
    else parsed.names.push(arg);
  }
  return parsed;
}

export function usage(suites: readonly BenchDefinition[]): string {
  const width = Math.max(...suites.map((s) => s.name.length), 4);
  return [
    'Usage: npm run bench -- [NAME…] [--record] [--out DIR] [--quick] [--help]',
    '',
    'Runs the named benchmarks (all when none is named), each against its peer in the same run,',
    'interleaved, and writes bench/results/NAME.json (medians of rounds; ratio > 1 = Fieldlake ahead).',
    '',
    'Benchmarks:',
    ...suites.map((s) => `  ${s.name.padEnd(width)}  ${s.description}`),
    '',
    'Flags:',
    "  --record    also rewrite each benchmark's section of bench/RESULTS.md",
    '  --out DIR   write NAME.json to DIR instead of bench/results',
    '  --quick     fewer, shorter rounds (smoke check; cannot be combined with --record);',
    '              also FIELDLAKE_BENCH_QUICK=1',
    '  --help      this text',
    '',
    'Exit status: 0 all ran, 1 a benchmark failed, 2 bad command line (e.g. an unknown name).',
  ].join('\n');
}

const resultsIntro = `# Benchmark results

Written by \`npm run bench -- NAME --record\` (\`npm run bench -- --help\` lists the benchmarks
and flags); each benchmark owns the section between its \`<!-- bench:NAME -->\` markers, and the
rest of this file is left as it is.

How the figures are produced: Fieldlake and its peer run **in the same run, interleaved** (the
order alternates every round), and each figure is the **median of the rounds** shown. A **ratio
above 1 means Fieldlake is ahead** of the peer (higher-is-better: ours / peer; lower-is-better:
peer / ours). Anchors are published figures quoted for orientation, not measured here. Run-to-run
noise on the shared 2-core VM reaches ±20 %: compare ratios within one run rather than raw values
across runs. The JSON of the latest run of each benchmark is in \`bench/results/\` (not committed).
`;

function checkSuites(suites: readonly BenchDefinition[]): void {
  const seen = new Set<string>();
  for (const suite of suites) {
    if (!namePattern.test(suite.name))
      throw new Error(`benchmark name "${suite.name}" must be lowercase words joined by "-"`);
    if (seen.has(suite.name)) throw new Error(`two benchmarks are named "${suite.name}"`);
    seen.add(suite.name);
  }
}

function describe(result: BenchResult): string {
  const ours = `${formatNumber(result.value)} ${result.unit}${result.speedFigure ? '' : ' (not a speed figure)'}`;
  const peer =
    result.peer === null || result.peerValue === null || result.ratio === null
      ? ''
      : `  vs ${result.peer} ${formatNumber(result.peerValue)} ${result.unit}  ratio ${formatNumber(result.ratio)}`;
  return `  ${result.case}  ${result.metric}: ${ours}${peer}  (${result.rounds} rounds, ${result.direction} is better)`;
}

/** Runs one benchmark to a validated report; deferred cleanups run whatever happens. */
export async function runBenchmark(
  suite: BenchDefinition,
  options: { quick: boolean; repoDir: string; log: (line: string) => void },
): Promise<BenchReport> {
  const date = new Date().toISOString();
  const git = gitRevision(options.repoDir);
  let chromium: string | null = null;
  let gpuAdapter: GpuAdapterInfo | null = null;
  const cleanups: (() => unknown)[] = [];
  const ctx: BenchContext = {
    quick: options.quick,
    log: (message) => {
      options.log(`[${suite.name}] ${message}`);
    },
    noteBrowser: (version, adapter) => {
      chromium = version;
      gpuAdapter = adapter;
    },
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
  };
  let results: BenchResult[];
  try {
    results = await suite.run(ctx);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        options.log(
          `[${suite.name}] cleanup failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
  const report: BenchReport = {
    name: suite.name,
    date,
    git: await git,
    env: { ...machineEnv(), chromium, gpuAdapter },
    results,
  };
  assertValidReport(report);
  return report;
}

/** The whole command; resolves to the exit status. */
export async function main(argv: readonly string[], options: RunnerOptions): Promise<number> {
  const stdout = options.stdout ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const stderr = options.stderr ?? ((line: string) => void process.stderr.write(`${line}\n`));
  checkSuites(options.suites);
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
    if (args.help) {
      stdout(usage(options.suites));
      return 0;
    }
    const unknown = args.names.filter((name) => !options.suites.some((s) => s.name === name));
    if (unknown.length > 0) {
      throw new UsageError(
        `unknown benchmark ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${options.suites.map((s) => s.name).join(', ')}`,
      );
    }
    if (args.record && (args.quick || options.quickByDefault === true)) {
      throw new UsageError(
        '--record does not record quick runs: drop --quick (and FIELDLAKE_BENCH_QUICK)',
      );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    stderr(`bench: ${error.message}`);
    stderr('Run `npm run bench -- --help` for the list of benchmarks and flags.');
    return 2;
  }

  const quick = args.quick || options.quickByDefault === true;
  const selected =
    args.names.length === 0
      ? options.suites
      : options.suites.filter((s) => args.names.includes(s.name));
  const outDir = path.resolve(args.out ?? options.defaultOut);
  let failed = 0;
  for (const suite of selected) {
    stderr(`bench: running ${suite.name}${quick ? ' (quick)' : ''}…`);
    const started = performance.now();
    let report: BenchReport;
    try {
      report = await runBenchmark(suite, { quick, repoDir: options.repoDir, log: stderr });
    } catch (error) {
      failed++;
      stderr(
        `bench: ${suite.name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      continue;
    }
    await mkdir(outDir, { recursive: true });
    const file = path.join(outDir, `${suite.name}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    stdout(
      `${suite.name} (${((performance.now() - started) / 1000).toFixed(1)} s) → ${path.relative(process.cwd(), file) || file}`,
    );
    for (const result of report.results) stdout(describe(result));
    if (args.record) {
      let doc: string;
      try {
        doc = await readFile(options.resultsMd, 'utf8');
      } catch {
        doc = resultsIntro;
      }
      const section = await formatMarkdown(
        renderSection(report, suite.description),
        options.resultsMd,
      );
      await writeFile(options.resultsMd, rewriteSection(doc, suite.name, section));
      stdout(
        `  recorded in ${path.relative(process.cwd(), options.resultsMd) || options.resultsMd}`,
      );
    }
  }
  return failed > 0 ? 1 : 0;
}

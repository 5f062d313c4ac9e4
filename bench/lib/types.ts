// The contract of a benchmark run, as the issue states it: what a suite returns, what the runner
// writes to bench/results/NAME.json, and what a suite may ask of the runner while it runs.

/** Which way is better for a metric. */
export type Direction = 'higher' | 'lower';

/** One measured figure. Every field is required; "nothing" is spelled `null`. */
export interface BenchResult {
  /** Stable path naming what was measured, e.g. `minmax/w1024/wasm/1worker`. */
  case: string;
  /** What the value is, e.g. `requests_per_s`, `roundtrip_ms`. */
  metric: string;
  /** Our figure: the median over `rounds` measurements. */
  value: number;
  unit: string;
  direction: Direction;
  /** What computed our figure (`wasm`, `js`, `webgpu`, `fastify`, `comlink-transfer`, …). */
  backend: string;
  /** False when the figure says nothing about speed (e.g. WebGPU on SwiftShader). */
  speedFigure: boolean;
  /** A value we aim for, in `unit`, or null. */
  target: number | null;
  /** What ran beside ours in the same run, interleaved, or null. */
  peer: string | null;
  /** The peer's median in the same run, in `unit`, or null. */
  peerValue: number | null;
  /** Above 1 means Fieldlake is ahead (see `ratioOf`), or null when there is no peer. */
  ratio: number | null;
  /** A published figure quoted for orientation (not measured here), or null. */
  anchor: string | null;
  /** How many interleaved rounds the medians are taken over. */
  rounds: number;
}

/** A WebGPU adapter as Chromium describes it (`adapter.info`). */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface BenchEnv {
  cpu: string;
  cores: number;
  node: string;
  /** Browser version when the benchmark used a browser, else null. */
  chromium: string | null;
  /** The WebGPU adapter seen in Chromium, or null (no browser, or no adapter). */
  gpuAdapter: GpuAdapterInfo | null;
}

/** The JSON file bench/results/NAME.json. */
export interface BenchReport {
  name: string;
  /** ISO 8601 time the run started. */
  date: string;
  /** Short commit hash, `-dirty` appended when the tree has changes; null without a commit. */
  git: string | null;
  env: BenchEnv;
  results: BenchResult[];
}

/** What a suite may ask of the runner. */
export interface BenchContext {
  /** Fewer rounds and shorter measurements (tests, smoke checks): figures are not for recording. */
  readonly quick: boolean;
  /** A progress line on stderr. */
  log(message: string): void;
  /** Record the browser this benchmark used (goes to env.chromium / env.gpuAdapter). */
  noteBrowser(chromium: string, gpuAdapter: GpuAdapterInfo | null): void;
  /** Run `cleanup` after the suite finishes, also when it fails (last registered runs first). */
  defer(cleanup: () => unknown): void;
}

/** A benchmark module's default shape: bench/suites/NAME.bench.ts. */
export interface BenchDefinition {
  /** Lowercase words joined by `-`; used on the command line and as the file name. */
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

// The compute-fft benchmark's worker: prepares one FFT case at a time on ours and its peers
// (same input, outputs checked against ours once), then times blocks of transforms of one
// implementation per call with performance.now, so comlink's round trip is not counted; and
// runs whole STFT passes.
import * as Comlink from 'comlink';
import { createFftKernels, planOn, type FftPlan } from '../../../src/algorithms/fft/index.ts';
import type { FloatArray } from '../../../src/algorithms/types.ts';
import { Random } from '../../lib/random.ts';
import { loadPeers, peerRunner, type LoadedPeers, type Runner } from './peers.ts';
import type { FftCase, FftImpl, FftWorkerApi, PreparedCase } from './protocol.ts';
import { runStft } from './stft-pass.ts';

const registry = createFftKernels();
let loaded: LoadedPeers = {};
let runners: Partial<Record<FftImpl, { runner: Runner; reps: number }>> = {};
let blockMinMs = 25;

function oursRunner(plan: FftPlan, spec: FftCase, input: Float64Array): Runner {
  const data: FloatArray =
    spec.dtype === 'float32' ? Float32Array.from(input) : Float64Array.from(input);
  const out: FloatArray =
    spec.dtype === 'float32'
      ? new Float32Array(plan.frequencyLength)
      : new Float64Array(plan.frequencyLength);
  return {
    run: () => {
      plan.forward(data, out);
    },
    output: () => Float64Array.from(out),
    free: () => {
      plan.dispose();
    },
  };
}

/**
 * Our wasm plan without the copies: the input written once into pffft's memory through
 * `plan.wasmBuffers`, each run the transform alone (undefined for js plans). Nothing else
 * allocates in our module while a case is timed, so the views stay valid (a growth would make
 * `run` throw, not measure garbage).
 */
function inMemoryRunner(plan: FftPlan, input: Float64Array): Runner | undefined {
  const buffers = plan.wasmBuffers;
  if (buffers === undefined) return undefined;
  buffers.input.set(input);
  return {
    run: () => {
      buffers.run();
    },
    output: () => Float64Array.from(buffers.output),
    free: () => {},
  };
}

/** ‖x − ref‖₂ / ‖ref‖₂. */
function relativeError(x: Float64Array, ref: Float64Array): number {
  if (x.length !== ref.length) return Infinity;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const d = (x[i] as number) - r;
    diff += d * d;
    norm += r * r;
  }
  return Math.sqrt(diff / norm);
}

function blockMs(runner: Runner, reps: number): number {
  const began = performance.now();
  for (let i = 0; i < reps; i++) runner.run();
  return performance.now() - began;
}

/**
 * Transforms per block so that a block lasts from `minMs` to 3·minMs. Runs the transform for
 * 4·minMs (at least 3 calls) first so the JIT has tiered it up, then sizes the block on the
 * faster of two trial blocks (a preemption — this machine is shared — only ever adds time),
 * resizing while a block is out of range: one that was slow only while still cold shrinks.
 */
function calibrate(runner: Runner, minMs: number): number {
  const began = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - began < 4 * minMs) {
    runner.run();
    calls++;
  }
  let reps = Math.max(1, Math.ceil((1.1 * minMs * calls) / (performance.now() - began)));
  for (let attempt = 0; attempt < 6; attempt++) {
    const ms = Math.min(blockMs(runner, reps), blockMs(runner, reps));
    if (ms >= minMs && (ms <= 3 * minMs || reps === 1)) break;
    reps = Math.max(1, Math.ceil((reps * 1.1 * minMs) / Math.max(ms, minMs / 100)));
  }
  return reps;
}

function release(): void {
  for (const entry of Object.values(runners)) entry.runner.free();
  runners = {};
}

const api: FftWorkerApi = {
  async init() {
    const result = await loadPeers();
    loaded = result.peers;
    return result.failed;
  },
  async prepareCase(spec, peers, minBlockMs) {
    release();
    blockMinMs = minBlockMs;
    const random = new Random(0x5eed + spec.n);
    const length = spec.kind === 'real' ? spec.n : 2 * spec.n;
    const input = new Float64Array(length);
    const round = spec.dtype === 'float32' ? Math.fround : (v: number) => v;
    for (let i = 0; i < length; i++) input[i] = round(random.float() * 2 - 1);

    const plan = await planOn(registry, spec.n, spec);
    const ours = oursRunner(plan, spec, input);
    runners.ours = { runner: ours, reps: 1 };
    ours.run();
    const reference = ours.output();
    const prepared: PreparedCase = {
      backend: plan.backend,
      peers: [],
      skipped: {},
      inMemory: false,
      errors: {},
      reps: {},
    };
    // float32 transforms agree to ~1e-6 here; 1e-4 leaves room and still catches a wrong layout.
    const tolerance = spec.dtype === 'float32' ? 1e-4 : 1e-10;
    const inMemory = inMemoryRunner(plan, input);
    if (inMemory !== undefined) {
      runners['ours-in-memory'] = { runner: inMemory, reps: 1 };
      inMemory.run();
      // The same arithmetic as forward(): the same numbers, to the bit.
      const error = relativeError(inMemory.output(), reference);
      prepared.errors['ours-in-memory'] = error;
      if (error !== 0) {
        release();
        throw new Error(`wasmBuffers and forward() disagree: relative error ${String(error)}`);
      }
      prepared.inMemory = true;
    }
    for (const peer of peers) {
      const runner = peerRunner(peer, loaded, spec, input);
      if (typeof runner === 'string') {
        prepared.skipped[peer] = runner;
        continue;
      }
      runners[peer] = { runner, reps: 1 };
      runner.run();
      const error = relativeError(runner.output(), reference);
      prepared.errors[peer] = error;
      if (!(error <= tolerance)) {
        release();
        throw new Error(
          `${peer} and ours disagree on ${spec.kind}/${spec.dtype}/${String(spec.n)}: ` +
            `relative error ${String(error)} > ${String(tolerance)}`,
        );
      }
      prepared.peers.push(peer);
    }
    for (const [impl, entry] of Object.entries(runners)) {
      entry.reps = calibrate(entry.runner, minBlockMs);
      prepared.reps[impl as FftImpl] = entry.reps;
    }
    return prepared;
  },
  time(impl) {
    const entry = runners[impl];
    if (entry === undefined) return Promise.reject(new Error(`${impl} is not prepared`));
    // Batches of the calibrated size until the block lasts minBlockMs (calibration on a busy
    // moment may have sized a batch short).
    const began = performance.now();
    let ms: number;
    let transforms = 0;
    do {
      for (let i = 0; i < entry.reps; i++) entry.runner.run();
      transforms += entry.reps;
      ms = performance.now() - began;
    } while (ms < blockMinMs);
    return Promise.resolve((ms * 1000) / transforms);
  },
  releaseCase() {
    release();
    return Promise.resolve();
  },
  stft: (samples, chunk) => runStft(registry, samples, chunk),
};

Comlink.expose(api);

// The streaming core of resample_poly: scipy's upfirdn(h, x, up, down) with resample_poly's
// delay compensation, one chunk at a time.
//
// scipy pads the filter with `pre = down − half % down` leading zeros (half = (L − 1) // 2),
// keeps upfirdn's outputs from `(half + pre) / down` on, n_out = ⌈n·up/down⌉ of them, and
// upfirdn pads the filter again to a multiple of `up` (its "transposed, flipped" phases). With
// hp that padded filter, output k is, at upsampled time t = k·down + half + pre,
//   y[k] = Σ_a hp[t mod up + a·up] · x[⌊t/up⌋ − a],   x = 0 outside [0, n).
// So output k is ready once x[⌊t/up⌋] has arrived, and `finish` computes the ones left, while
// k·down < n·up, over trailing zeros. The zero taps are kept on purpose: 0·NaN and 0·∞ are NaN
// in scipy too, so the NaN footprint is scipy's, not just the nonzero taps'.
//
// (scipy adds still more trailing zeros to the filter when a caller's FIR is shorter than about
// 2·up taps; those depend on the total length, which a stream does not know, so for such
// filters a NaN or ∞ can reach a few outputs fewer here than in scipy. Values are the same.)
//
// The state keeps the last `perPhase − 1` samples (zeros before the signal), the position of
// the next output as (newest sample index, phase) so no product n·up can outgrow 2^53, and
// the taps. Sums are float64 whatever the dtype (the WebGPU kernel's: compensated float32);
// the output has the input's dtype. `updatePolyphase`/`finishPolyphase` run a synchronous
// kernel (js, wasm); their `…Async` twins the same steps through any kernel, awaiting it.
import { AlgorithmError, badRequest } from '../errors.ts';
import { arrayOf, type FloatArray, type FloatDtype } from '../types.ts';
import { jsPolyphaseKernel, type AnyPolyphaseKernel, type PolyphaseKernel } from './kernels.ts';

/** The most outputs one update makes (2^28 float64 are 2 GiB): larger ones ask for smaller chunks. */
export const MAX_OUTPUTS_PER_CALL = 2 ** 28;

export interface PolyphaseState {
  dtype: FloatDtype;
  up: number;
  down: number;
  /** Taps per phase (upfirdn's padded filter length / up). */
  perPhase: number;
  /** Phase p's taps, flipped: taps[p·perPhase + b] = hp[p + (perPhase − 1 − b)·up]. */
  taps: Float64Array;
  /** The last perPhase − 1 samples, oldest first, as float64 (zeros before the signal). */
  history: Float64Array;
  /** Samples consumed so far. */
  seen: number;
  /** Index of the newest sample the next output reads, and its phase (t = newest·up + phase). */
  newest: number;
  phase: number;
  /** half + pre: the next output exists while (newest − seen)·up + phase < lead at the end. */
  lead: number;
  finished: boolean;
}

/**
 * The state for filter `h` (gain included, in the arithmetic of the caller's choice), after
 * up/down were reduced by their gcd. up = down = 1 is scipy's copy: one tap of 1, no delay.
 */
export function initPolyphase(
  dtype: FloatDtype,
  up: number,
  down: number,
  h: Float64Array,
): PolyphaseState {
  const identity = up === 1 && down === 1;
  const filter = identity ? Float64Array.of(1) : h;
  const half = identity ? 0 : Math.floor((filter.length - 1) / 2);
  const pre = identity ? 0 : down - (half % down);
  const perPhase = Math.ceil((pre + filter.length) / up);
  const taps = new Float64Array(perPhase * up);
  for (let p = 0; p < up; p++) {
    for (let a = 0; a < perPhase; a++) {
      const j = p + a * up - pre;
      taps[p * perPhase + (perPhase - 1 - a)] =
        j >= 0 && j < filter.length ? (filter[j] as number) : 0;
    }
  }
  const lead = half + pre;
  return {
    dtype,
    up,
    down,
    perPhase,
    taps,
    history: new Float64Array(perPhase - 1),
    seen: 0,
    newest: Math.floor(lead / up),
    phase: lead % up,
    lead,
    finished: false,
  };
}

/** Outputs whose upsampled time, counted from the start of `limit`, stays below `limit·up`. */
function outputsBefore(state: PolyphaseState, limitRelative: number): number {
  const room = limitRelative - state.phase;
  return room > 0 ? Math.ceil(room / state.down) : 0;
}

/**
 * One kernel call of an update or finish: its arguments, planned from the state, and `done`,
 * which moves the state past it. Nothing moves before `done`, so a kernel that throws (or an
 * async one that rejects) leaves the state as it was.
 */
interface Block {
  /** The samples the outputs read; its first is x[newest − perPhase + 1]. */
  readonly work: Float64Array;
  readonly phase: number;
  readonly count: number;
  readonly out: FloatArray;
  done(): void;
}

function checkedCount(count: number): number {
  if (count > MAX_OUTPUTS_PER_CALL) {
    // Checked before the state moves, so the caller can send the same samples in smaller chunks.
    throw new AlgorithmError(
      'payload_too_large',
      `resample: this chunk would make ${String(count)} outputs at once (at most ` +
        `${String(MAX_OUTPUTS_PER_CALL)}): send smaller chunks`,
    );
  }
  return count;
}

/** Moves the position of the next output past `count` outputs. */
function advance(state: PolyphaseState, count: number): void {
  const total = state.phase + count * state.down;
  state.newest += Math.floor(total / state.up);
  state.phase = total % state.up;
}

/** Carries the last perPhase − 1 samples of `work` into the state. */
function keepHistory(state: PolyphaseState, work: Float64Array): void {
  state.history = work.slice(work.length - state.history.length);
}

/**
 * The float64 staging array of a state's updates, kept between calls: a fresh one per chunk
 * costs more than the filter where first-touch page faults are dear (~1 ms per MiB measured on
 * this project's VMs, against ~30 µs to refill a reused one). Not in the state itself, which
 * stays small plain data; a cloned state simply starts a new one. One call at a time per state
 * (the async twins say so too), so a block never shares it with another.
 */
const scratch = new WeakMap<PolyphaseState, Float64Array>();

function workArray(state: PolyphaseState, length: number): Float64Array {
  let buffer = scratch.get(state);
  if (buffer === undefined || buffer.length < length) {
    // Some room to spare, so a slightly longer chunk (a first or last one) does not regrow it.
    buffer = new Float64Array(Math.ceil(length * 1.25));
    scratch.set(state, buffer);
  }
  return buffer.subarray(0, length);
}

function updateBlock(state: PolyphaseState, chunk: FloatArray): Block {
  if (state.finished) throw badRequest('resample: update after finish');
  const keep = state.history.length;
  const work = workArray(state, keep + chunk.length);
  work.set(state.history);
  // A loop, not work.set(chunk): V8's set() between typed arrays of different element types
  // takes a per-element slow path (~100 ns a sample for Float32Array into Float64Array).
  for (let i = 0; i < chunk.length; i++) work[keep + i] = chunk[i] as number;
  const seen = state.seen + chunk.length;
  // Every output before this chunk was emitted, so newest ≥ state.seen and work starts at
  // x[newest − perPhase + 1] once the samples before `newest − state.seen` are skipped.
  const skip = state.newest - state.seen;
  const count = checkedCount(outputsBefore(state, (seen - state.newest) * state.up));
  return {
    work: work.subarray(skip),
    phase: state.phase,
    count,
    out: arrayOf(state.dtype, count),
    done() {
      advance(state, count);
      state.seen = seen;
      keepHistory(state, work);
    },
  };
}

function finishBlock(state: PolyphaseState): Block {
  if (state.finished) throw badRequest('resample: finish called twice');
  // The outputs left read at most ⌈lead/up⌉ samples past the end: zeros (scipy's cval 0).
  const zeros = Math.ceil(state.lead / state.up) + 1;
  const work = new Float64Array(state.history.length + zeros);
  work.set(state.history);
  const skip = state.newest - state.seen;
  const count = checkedCount(outputsBefore(state, state.lead - skip * state.up));
  return {
    work: work.subarray(skip),
    phase: state.phase,
    count,
    out: arrayOf(state.dtype, count),
    done() {
      state.finished = true;
      advance(state, count);
    },
  };
}

function runBlock(state: PolyphaseState, block: Block, kernel: PolyphaseKernel): FloatArray {
  const { work, phase, count, out } = block;
  kernel.run(work, state.taps, state.perPhase, state.up, state.down, phase, count, out);
  block.done();
  return out;
}

async function runBlockAsync(
  state: PolyphaseState,
  block: Block,
  kernel: AnyPolyphaseKernel,
): Promise<FloatArray> {
  const { work, phase, count, out } = block;
  await kernel.run(work, state.taps, state.perPhase, state.up, state.down, phase, count, out);
  block.done();
  return out;
}

export function updatePolyphase(
  state: PolyphaseState,
  chunk: FloatArray,
  kernel: PolyphaseKernel = jsPolyphaseKernel,
): FloatArray {
  return runBlock(state, updateBlock(state, chunk), kernel);
}

export function finishPolyphase(
  state: PolyphaseState,
  kernel: PolyphaseKernel = jsPolyphaseKernel,
): FloatArray {
  const block = finishBlock(state);
  // Finished even when the kernel throws: a stream is not finished twice.
  state.finished = true;
  return runBlock(state, block, kernel);
}

/**
 * `updatePolyphase` through a kernel that may be async (the WebGPU one): the same state
 * machine, only the kernel's call awaited. The state moves when the kernel is done, so one
 * that rejects (`unavailable`: the caller tries the next backend) leaves it as it was. One
 * call at a time per state.
 */
export function updatePolyphaseAsync(
  state: PolyphaseState,
  chunk: FloatArray,
  kernel: AnyPolyphaseKernel,
): Promise<FloatArray> {
  // A throw while planning (update after finish, too many outputs) rejects too.
  return Promise.resolve().then(() => runBlockAsync(state, updateBlock(state, chunk), kernel));
}

/** `finishPolyphase` through a kernel that may be async; finished only once the kernel is done. */
export function finishPolyphaseAsync(
  state: PolyphaseState,
  kernel: AnyPolyphaseKernel,
): Promise<FloatArray> {
  return Promise.resolve().then(() => runBlockAsync(state, finishBlock(state), kernel));
}

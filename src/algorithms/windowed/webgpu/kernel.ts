/// <reference types="@webgpu/types" />
// Windowed statistics on WebGPU: float32 only (WGSL has no f64). One upload, one chain of
// compute passes (level 0 from samples, each further pyramid level from the records of the
// level below) and one readback at the end, per pass-sized piece of the input.
//
// Limits: a piece holds at most what one storage binding (and one buffer) may, for the samples
// and for the records; longer inputs are split into pieces aligned to the deepest window that
// fits, and levels deeper than a piece, or windows longer than a piece, are merged on the CPU
// from the pieces' records (float64 sums). Nothing is ever cut silently.
import { badRequest, positiveInteger } from '../../errors.ts';
import {
  createBuffer,
  elementsPerBinding,
  submitAndRead,
  uploadBuffer,
  Usage,
  withBuffers,
  withErrorScopes,
} from '../../gpu/buffers.ts';
import {
  openKernelContext,
  type AcquiredDevice,
  type GpuKernelHandles,
  type GpuContextOptions,
} from '../../gpu/device.ts';
import { compilePipeline, encodePass, perDevice } from '../../gpu/pipelines.ts';
import type { FloatArray } from '../../types.ts';
import type { WindowKernel } from '../kernels.ts';
import { MAX_WINDOW, type WindowedOutput } from '../reference.ts';
import {
  concatPartials,
  decodeRecords,
  emptyPartials,
  finishPartials,
  mergePartials,
  type Partials,
} from './partials.ts';
import {
  PARAMS_BYTES,
  RECORD_BYTES,
  usePerThread,
  WORKGROUP,
  windowedShader,
  type ShaderInput,
} from './shader.ts';

export interface WebgpuWindowKernel extends WindowKernel, GpuKernelHandles<Stats> {
  /**
   * Pyramid levels on the GPU without readback in between: level k has windows of
   * windows[0] × … × windows[k] samples; incomplete windows at the end are dropped at every
   * level (the reference with `partial: 'drop'`).
   */
  reduceLevels(values: Float32Array, windows: readonly number[]): Promise<WindowedOutput[]>;
}

interface Stats {
  submits: number;
}

type Entry = 'perThread' | 'perGroup';

/** Per device, pipelines compiled on first use (SwiftShader takes seconds for the tree ones). */
const pipelineFor = perDevice(
  (device, input: ShaderInput, entryPoint: Entry) =>
    compilePipeline(
      device,
      windowedShader(input),
      entryPoint,
      `windowed ${input}`,
      `windowed shader (${input} ${entryPoint})`,
    ),
  (input, entryPoint) => `${input} ${entryPoint}`,
);

/** Samples one piece may hold: its samples and its level-0 records each fit one binding. */
export function samplesPerPiece(acquired: AcquiredDevice, firstWindow: number): number {
  const samples = elementsPerBinding(acquired.limits, 4);
  const records = elementsPerBinding(acquired.limits, RECORD_BYTES);
  return Math.max(1, Math.min(samples, records * firstWindow));
}

/** One upload, the levels' passes, one readback: partials per level (empty past the piece). */
async function runChain(
  acquired: AcquiredDevice,
  stats: Stats,
  piece: Float32Array,
  windows: readonly number[],
): Promise<Partials[]> {
  const counts: number[] = [];
  let length = piece.length;
  for (const window of windows) {
    length = Math.floor(length / window);
    counts.push(length);
  }
  const levels = counts.filter((count) => count > 0).length;
  if (levels === 0) return windows.map(() => emptyPartials());
  const { device, limits } = acquired;
  return withErrorScopes(device, 'windowed', () =>
    withBuffers(async (track) => {
      const used = piece.subarray(0, (counts[0] as number) * (windows[0] as number));
      let source = track(uploadBuffer(device, used, Usage.STORAGE, 'windowed samples'));
      const encoder = device.createCommandEncoder();
      const outputs: { buffer: GPUBuffer; bytes: number }[] = [];
      for (let level = 0; level < levels; level++) {
        const segLen = windows[level] as number;
        const segCount = counts[level] as number;
        const perThread = usePerThread(segLen, segCount);
        // Grid-stride loops in the shader cover what the dispatch limit leaves over.
        const groups = Math.min(
          perThread ? Math.ceil(segCount / WORKGROUP) : segCount,
          limits.maxComputeWorkgroupsPerDimension,
        );
        const params = track(
          uploadBuffer(
            device,
            new Uint32Array([segLen, segCount, groups, 0]),
            Usage.UNIFORM,
            'windowed params',
          ),
        );
        const records = track(
          createBuffer(
            device,
            segCount * RECORD_BYTES,
            Usage.STORAGE | Usage.COPY_SRC,
            `windowed level ${level}`,
          ),
        );
        const pipeline = await pipelineFor(
          device,
          level === 0 ? 'values' : 'records',
          perThread ? 'perThread' : 'perGroup',
        );
        const entries = [
          { binding: 0, resource: { buffer: params, size: PARAMS_BYTES } },
          { binding: 1, resource: { buffer: source } },
          { binding: 2, resource: { buffer: records } },
        ];
        encodePass(device, encoder, pipeline, entries, groups, `windowed level ${level}`);
        outputs.push({ buffer: records, bytes: segCount * RECORD_BYTES });
        source = records;
      }
      const data = await submitAndRead(device, encoder, outputs, stats);
      return windows.map((_, level) =>
        level < levels
          ? decodeRecords(data[level] as ArrayBuffer, counts[level] as number)
          : emptyPartials(),
      );
    }),
  );
}

/** Level-0 partials of windows longer than a piece: each window in pieces, merged on the CPU. */
async function splitWindows(
  acquired: AcquiredDevice,
  stats: Stats,
  values: Float32Array,
  window: number,
  piece: number,
): Promise<Partials> {
  const windows = Math.floor(values.length / window);
  const parts: Partials[] = [];
  for (let w = 0; w < windows; w++) {
    const pieces: Partials[] = [];
    for (let at = w * window; at < (w + 1) * window; at += piece) {
      const end = Math.min(at + piece, (w + 1) * window);
      const [level] = await runChain(acquired, stats, values.subarray(at, end), [end - at]);
      pieces.push(level as Partials);
    }
    const all = concatPartials(pieces);
    parts.push(mergePartials(all, all.sum.length));
  }
  return concatPartials(parts);
}

async function levelPartials(
  acquired: AcquiredDevice,
  stats: Stats,
  values: Float32Array,
  windows: readonly number[],
): Promise<Partials[]> {
  const first = windows[0] as number;
  const piece = samplesPerPiece(acquired, first);
  const levels: Partials[] = [];
  if (first > piece) {
    levels.push(await splitWindows(acquired, stats, values, first, piece));
  } else {
    // The deepest level whose windows fit a piece; pieces are whole windows of it.
    let span = 1;
    let deepest = 0;
    for (let level = 0; level < windows.length; level++) {
      if (span * (windows[level] as number) > piece) break;
      span *= windows[level] as number;
      deepest = level;
    }
    const size = Math.floor(piece / span) * span;
    const gpuWindows = windows.slice(0, deepest + 1);
    const perPiece: Partials[][] = [];
    for (let at = 0; at < values.length; at += size) {
      perPiece.push(await runChain(acquired, stats, values.subarray(at, at + size), gpuWindows));
    }
    for (let level = 0; level <= deepest; level++) {
      levels.push(concatPartials(perPiece.map((parts) => parts[level] as Partials)));
    }
  }
  while (levels.length < windows.length) {
    levels.push(
      mergePartials(levels[levels.length - 1] as Partials, windows[levels.length] as number),
    );
  }
  return levels;
}

function float32Only(values: FloatArray): Float32Array {
  if (!(values instanceof Float32Array)) {
    throw badRequest(
      'windowed on webgpu takes float32 only: WGSL has no float64 (use the js or wasm kernel)',
    );
  }
  return values;
}

export async function createWebgpuWindowKernel(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<WebgpuWindowKernel> {
  // Compiles the quick pipeline only; the others on first use.
  const { context } = await openKernelContext(gpu, options, (device) =>
    pipelineFor(device, 'values', 'perThread'),
  );
  const stats: Stats = { submits: 0 };

  const reduceLevels = async (values: Float32Array, windows: readonly number[]) => {
    float32Only(values);
    if (windows.length === 0) throw badRequest('windowed levels: at least one window');
    let span = 1;
    const spans = windows.map((window, level) => {
      span *= positiveInteger(`windowed levels: windows[${level}]`, window, MAX_WINDOW);
      if (span > Number.MAX_SAFE_INTEGER)
        throw badRequest('windowed levels: the windows multiply past 2^53');
      return span;
    });
    const levels = await context.run((device) => levelPartials(device, stats, values, windows));
    return levels.map((parts, level) => {
      const out: WindowedOutput = {
        min: new Float32Array(parts.sum.length),
        max: new Float32Array(parts.sum.length),
        mean: new Float32Array(parts.sum.length),
        count: new Float64Array(parts.sum.length),
      };
      finishPartials(parts, spans[level] as number, values, out, 0);
      return out;
    });
  };

  return {
    backend: 'webgpu',
    dtypes: ['float32'],
    context,
    stats,
    device: () => context.acquire(),
    reduceLevels,
    async reduce(values, window, out, offset) {
      // `nanFree` buys nothing here: the bit tests cost the same as any float path.
      const samples = float32Only(values);
      positiveInteger('windowed: window', window, MAX_WINDOW);
      if (samples.length % window !== 0) {
        throw badRequest(
          `windowed kernel: ${samples.length} samples are not whole windows of ${window}`,
        );
      }
      if (samples.length === 0) return;
      const [level] = await context.run((device) =>
        levelPartials(device, stats, samples, [window]),
      );
      finishPartials(level as Partials, window, samples, out, offset);
    },
  };
}

/// <reference types="@webgpu/types" />
// The escalated maximum on WebGPU, float32 only (WGSL has no f64: a float64 chunk is refused as
// `unavailable`, and the registry's caller runs wasm or js). Whole frames go to the GPU; the
// samples of a frame cut by a chunk edge go through the reference's loop on the CPU, as in the
// wasm kernel, so the state stays the reference's and chunks may end anywhere.
//
// Per piece of whole frames: one upload (the samples' bits and the incoming maxima as keys),
// the chain of passes of shader.ts (reduce, log2(segments) sweeps, apply) with no readback in
// between, and one readback of the outputs and the new maxima. Exact: only u32 keys of the
// samples' bits are compared (shader.ts has the NaN rule), so the output is the js kernel's
// bit for bit (tolerance 0). One difference the output cannot show: where the reference keeps
// −0 as a channel's maximum, this kernel keeps +0 (both are written as 0, and compare equal).
//
// Limits: a piece holds as many whole frames as one storage binding (and one buffer) may, for
// the samples, the outputs and the rows of segment maxima; longer chunks are split into pieces,
// each seeded with the maxima the previous one left. A frame so wide that two do not fit one
// binding → `unavailable` (nothing is changed then: the maxima are committed at the end).
import { AlgorithmError } from '../../errors.ts';
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
import { compilePipeline, encodePass, perDevice, workgroupCount } from '../../gpu/pipelines.ts';
import type { FloatArray } from '../../types.ts';
import type { EscalatedMaxKernel } from '../kernels.ts';
import { escalate } from '../reference.ts';
import {
  bitsOfKey,
  escalatedMaxShader,
  keyOfBits,
  PARAMS_BYTES,
  SEGMENT,
  WORKGROUP,
} from './shader.ts';

export interface WebgpuEscalatedMaxKernel extends EscalatedMaxKernel, GpuKernelHandles {}

interface Pipelines {
  reduce: GPUComputePipeline;
  sweep: GPUComputePipeline;
  apply: GPUComputePipeline;
}

const pipelinesFor = perDevice((device): Promise<Pipelines> => {
  // One module, three entry points.
  const module = device.createShaderModule({
    code: escalatedMaxShader,
    label: 'escalated-max',
  });
  const compile = (entryPoint: string) =>
    compilePipeline(device, module, entryPoint, `escalated-max ${entryPoint}`);
  return Promise.all([compile('reduce'), compile('sweep'), compile('apply')]).then(
    ([reduce, sweep, apply]) => ({ reduce, sweep, apply }),
  );
});

/** Whole frames one piece may hold, or 0 when not even two frames fit a binding. */
export function framesPerPiece(acquired: AcquiredDevice, channels: number): number {
  const elements = elementsPerBinding(acquired.limits, 4);
  // Rows of segment maxima: ⌈frames/SEGMENT⌉ + 1 ≤ frames once frames ≥ 2.
  return elements >= 2 * channels ? Math.floor(elements / channels) : 0;
}

/** Runs `frames` whole frames of `bits` from the maxima `keys` (updated); returns output bits. */
async function runPiece(
  acquired: AcquiredDevice,
  stats: { submits: number },
  bits: Uint32Array,
  keys: Uint32Array,
): Promise<Uint32Array> {
  const { device, limits } = acquired;
  const channels = keys.length;
  const frames = bits.length / channels;
  const segments = Math.ceil(frames / SEGMENT);
  const rows = segments + 1;
  const pipelines = await pipelinesFor(device);
  return withErrorScopes(device, 'escalated-max', () =>
    withBuffers(async (track) => {
      const values = track(uploadBuffer(device, bits, Usage.STORAGE, 'escalated-max samples'));
      const out = track(
        createBuffer(device, bits.byteLength, Usage.STORAGE | Usage.COPY_SRC, 'escalated-max out'),
      );
      const carries = [0, 1].map((n) =>
        track(
          createBuffer(
            device,
            rows * channels * 4,
            Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST,
            `escalated-max carries ${String(n)}`,
          ),
        ),
      ) as [GPUBuffer, GPUBuffer];
      const final = track(
        createBuffer(device, channels * 4, Usage.COPY_SRC | Usage.COPY_DST, 'escalated-max maxima'),
      );
      // Row 0: the incoming maxima (queued writes land before the submission below).
      device.queue.writeBuffer(carries[0], 0, keys);

      const encoder = device.createCommandEncoder();
      const pass = (
        pipeline: GPUComputePipeline,
        invocations: number,
        distance: number,
        entries: { binding: number; buffer: GPUBuffer }[],
        label: string,
      ) => {
        const groups = workgroupCount(invocations, WORKGROUP, limits);
        const params = uploadBuffer(
          device,
          new Uint32Array([
            channels,
            frames,
            segments,
            distance,
            invocations,
            groups * WORKGROUP,
            0,
            0,
          ]),
          Usage.UNIFORM,
          `escalated-max ${label} params`,
        );
        track(params);
        const bindings = [
          { binding: 0, resource: { buffer: params, size: PARAMS_BYTES } },
          ...entries.map(({ binding, buffer }) => ({ binding, resource: { buffer } })),
        ];
        encodePass(device, encoder, pipeline, bindings, groups, `escalated-max ${label}`);
      };

      const perSegment = segments * channels;
      pass(
        pipelines.reduce,
        perSegment,
        0,
        [
          { binding: 1, buffer: values },
          { binding: 3, buffer: carries[0] },
        ],
        'reduce',
      );
      let current = 0;
      for (let distance = 1; distance < rows; distance *= 2) {
        pass(
          pipelines.sweep,
          rows * channels,
          distance,
          [
            { binding: 2, buffer: carries[current] as GPUBuffer },
            { binding: 3, buffer: carries[1 - current] as GPUBuffer },
          ],
          `sweep ${String(distance)}`,
        );
        current = 1 - current;
      }
      const scanned = carries[current] as GPUBuffer;
      pass(
        pipelines.apply,
        perSegment,
        0,
        [
          { binding: 1, buffer: values },
          { binding: 2, buffer: scanned },
          { binding: 4, buffer: out },
        ],
        'apply',
      );
      encoder.copyBufferToBuffer(scanned, segments * channels * 4, final, 0, channels * 4);
      const [outBytes, maxBytes] = (await submitAndRead(
        device,
        encoder,
        [
          { buffer: out, bytes: bits.byteLength },
          { buffer: final, bytes: channels * 4 },
        ],
        stats,
      )) as [ArrayBuffer, ArrayBuffer];
      keys.set(new Uint32Array(maxBytes));
      return new Uint32Array(outBytes);
    }),
  );
}

function float32Only(values: FloatArray, out: FloatArray): [Float32Array, Float32Array] {
  if (!(values instanceof Float32Array) || !(out instanceof Float32Array)) {
    throw new AlgorithmError(
      'unavailable',
      'escalated-max on webgpu takes float32 only: WGSL has no float64 (the wasm or js kernel does)',
    );
  }
  return [values, out];
}

export async function createWebgpuEscalatedMaxKernel(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<WebgpuEscalatedMaxKernel> {
  const { context } = await openKernelContext(gpu, options, pipelinesFor);
  const stats = { submits: 0 };

  return {
    backend: 'webgpu',
    dtypes: ['float32'],
    context,
    stats,
    device: () => context.acquire(),
    async run(chunk, result, max, next) {
      const [values, out] = float32Only(chunk, result);
      if (out.length !== values.length) {
        throw new AlgorithmError('bad_request', 'escalated-max: out must be as long as values');
      }
      const channels = max.length;
      // Worked on a copy: `max` changes only when the whole chunk is done, so a kernel that
      // fails (unavailable, device lost) leaves the state for the next backend as it was.
      const running = max.slice();
      const head = next === 0 ? 0 : Math.min(values.length, channels - next);
      let channel = escalate(values.subarray(0, head), out.subarray(0, head), running, next);
      const frames = Math.floor((values.length - head) / channels);
      if (frames > 0) {
        const keys = new Uint32Array(channels);
        const scratch = new Float32Array(1);
        const scratchBits = new Uint32Array(scratch.buffer);
        for (let c = 0; c < channels; c++) {
          scratch[0] = running[c] as number;
          keys[c] = keyOfBits(scratchBits[0] as number);
        }
        const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
        const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
        await context.run(async (acquired) => {
          const perPiece = framesPerPiece(acquired, channels);
          if (perPiece === 0) {
            throw new AlgorithmError(
              'unavailable',
              `webgpu: a frame of ${String(channels)} channels is too wide for the GPU's bindings`,
            );
          }
          // A retry on a new device starts again from the incoming maxima.
          const pieceKeys = keys.slice();
          for (let done = 0; done < frames; done += perPiece) {
            const n = Math.min(perPiece, frames - done);
            const from = head + done * channels;
            const piece = bits.subarray(from, from + n * channels);
            outBits.set(await runPiece(acquired, stats, piece, pieceKeys), from);
          }
          keys.set(pieceKeys);
        });
        for (let c = 0; c < channels; c++) {
          scratchBits[0] = bitsOfKey(keys[c] as number);
          running[c] = scratch[0] as number;
        }
      }
      // Samples of a frame the next chunk completes.
      const tail = head + frames * channels;
      channel = escalate(values.subarray(tail), out.subarray(tail), running, channel);
      for (let c = 0; c < channels; c++) max[c] = running[c] as number;
      return channel;
    },
  };
}

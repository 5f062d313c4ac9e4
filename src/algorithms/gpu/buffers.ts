/// <reference types="@webgpu/types" />
// Buffers, uploads, readbacks and error scopes for the WebGPU kernels. The usage and map-mode
// flags are numbers here, not the GPUBufferUsage globals: those exist only where a WebGPU
// implementation installed them (not in Node unless the `webgpu` package's globals are copied).
import { AlgorithmError } from '../errors.ts';
import type { GpuLimits } from './device.ts';

export const Usage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

const MAP_READ_MODE = 0x1;

/** Buffer sizes must be multiples of 4 bytes. */
export function align4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

export function createBuffer(
  device: GPUDevice,
  bytes: number,
  usage: number,
  label: string,
): GPUBuffer {
  // A zero-sized binding is invalid: every buffer holds at least one word.
  return device.createBuffer({ size: Math.max(4, align4(bytes)), usage, label });
}

/** A new buffer holding `data` (COPY_DST added to `usage`). */
export function uploadBuffer(
  device: GPUDevice,
  data: ArrayBufferView,
  usage: number,
  label: string,
): GPUBuffer {
  const buffer = createBuffer(device, data.byteLength, usage | Usage.COPY_DST, label);
  writeBuffer(device, buffer, data);
  return buffer;
}

/** Writes `data` at the start of `buffer`, padding the tail to 4 bytes. */
export function writeBuffer(device: GPUDevice, buffer: GPUBuffer, data: ArrayBufferView): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength % 4 === 0) {
    device.queue.writeBuffer(buffer, 0, bytes);
    return;
  }
  const padded = new Uint8Array(align4(bytes.byteLength));
  padded.set(bytes);
  device.queue.writeBuffer(buffer, 0, padded);
}

/**
 * Copies `bytes` of each source buffer to mappable buffers in `encoder`'s work; `read()`
 * (after the encoder is submitted) maps them and returns copies of their contents.
 */
export function stageReadback(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  sources: readonly { buffer: GPUBuffer; bytes: number }[],
): { read(): Promise<ArrayBuffer[]> } {
  const staging = sources.map(({ buffer, bytes }) => {
    const target = createBuffer(device, bytes, Usage.MAP_READ | Usage.COPY_DST, 'readback');
    if (bytes > 0) encoder.copyBufferToBuffer(buffer, 0, target, 0, align4(bytes));
    return { target, bytes };
  });
  return {
    async read() {
      try {
        return await Promise.all(
          staging.map(async ({ target, bytes }) => {
            await target.mapAsync(MAP_READ_MODE);
            const copy = target.getMappedRange().slice(0, bytes);
            target.unmap();
            return copy;
          }),
        );
      } finally {
        for (const { target } of staging) target.destroy();
      }
    },
  };
}

/**
 * Encodes copies of the sources to mappable buffers at the end of `encoder`'s work, submits it
 * (counted in `counter.submits` when given) and resolves to copies of their contents.
 */
export function submitAndRead(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  sources: readonly { buffer: GPUBuffer; bytes: number }[],
  counter?: { submits: number },
): Promise<ArrayBuffer[]> {
  const readback = stageReadback(device, encoder, sources);
  device.queue.submit([encoder.finish()]);
  if (counter !== undefined) counter.submits++;
  return readback.read();
}

/** A uniform buffer of `bytes` bytes starting with the u32 `words` (the rest zero). */
export function uploadUniform(
  device: GPUDevice,
  words: readonly number[],
  bytes: number,
  label: string,
): GPUBuffer {
  const data = new ArrayBuffer(bytes);
  new Uint32Array(data, 0, words.length).set(words);
  return uploadBuffer(device, new Uint8Array(data), Usage.UNIFORM, label);
}

/**
 * Runs `work` with a `track` that takes the buffers it makes (and returns them): they are
 * destroyed when it ends, however it ends.
 */
export async function withBuffers<T>(
  work: (track: (buffer: GPUBuffer) => GPUBuffer) => Promise<T>,
): Promise<T> {
  const buffers: GPUBuffer[] = [];
  try {
    return await work((buffer) => {
      buffers.push(buffer);
      return buffer;
    });
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

/**
 * Runs `work` inside validation and out-of-memory error scopes: a GPU error becomes an
 * AlgorithmError (WebGPU reports them asynchronously, never by throwing).
 */
export async function withErrorScopes<T>(
  device: GPUDevice,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let outcome: { value: T } | { error: unknown };
  try {
    outcome = { value: await work() };
  } catch (error) {
    outcome = { error };
  }
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  // The GPU's own error first: a failed readback is usually its consequence.
  if (memory !== null) {
    throw new AlgorithmError(
      'payload_too_large',
      `webgpu ${what}: out of GPU memory: ${memory.message}`,
    );
  }
  if (validation !== null)
    throw new AlgorithmError('unavailable', `webgpu ${what}: ${validation.message}`);
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/**
 * How many elements of `bytesPerElement` one binding may hold: the smaller of the binding
 * and buffer limits. Inputs beyond it are split into passes.
 */
export function elementsPerBinding(limits: GpuLimits, bytesPerElement: number): number {
  const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  return Math.floor(bytes / bytesPerElement);
}

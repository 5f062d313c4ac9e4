/// <reference types="@webgpu/types" />
// Compute pipelines for the WebGPU kernels: compiled with a compile error turned into
// AlgorithmError('unavailable') (the registry then falls through to the next backend), kept
// per device, and encoded as one dispatch each. Numbers pass through untouched here: the NaN
// rule is each kernel's.
import { AlgorithmError } from '../errors.ts';
import type { GpuLimits } from './device.ts';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Compiles `entryPoint` of `code` (WGSL, or a module already made from it when several entry
 * points share one); `label` names the module made from WGSL. A compile error rejects with
 * `unavailable`: "webgpu: <shader> did not compile: …", `shader` being "<label> shader" unless
 * given.
 */
export function compilePipeline(
  device: GPUDevice,
  code: string | GPUShaderModule,
  entryPoint: string,
  label: string,
  shader = `${label} shader`,
): Promise<GPUComputePipeline> {
  const module = typeof code === 'string' ? device.createShaderModule({ code, label }) : code;
  return device
    .createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint } })
    .catch((error: unknown) => {
      throw new AlgorithmError(
        'unavailable',
        `webgpu: ${shader} did not compile: ${messageOf(error)}`,
      );
    });
}

/**
 * `compile` run once per device (and per `keyOf(...args)` when given): later calls get the
 * same promise. A rejected compile stays cached for its device (the same WGSL fails the same
 * way there); a new device, after a loss, compiles again.
 */
export function perDevice<T>(
  compile: (device: GPUDevice) => Promise<T>,
): (device: GPUDevice) => Promise<T>;
export function perDevice<T, A extends unknown[]>(
  compile: (device: GPUDevice, ...args: A) => Promise<T>,
  keyOf: (...args: A) => string,
): (device: GPUDevice, ...args: A) => Promise<T>;
export function perDevice<T, A extends unknown[]>(
  compile: (device: GPUDevice, ...args: A) => Promise<T>,
  keyOf: (...args: A) => string = () => '',
): (device: GPUDevice, ...args: A) => Promise<T> {
  const cache = new WeakMap<GPUDevice, Map<string, Promise<T>>>();
  return (device, ...args) => {
    let compiled = cache.get(device);
    if (compiled === undefined) {
      compiled = new Map();
      cache.set(device, compiled);
    }
    const key = keyOf(...args);
    let value = compiled.get(key);
    if (value === undefined) {
      value = compile(device, ...args);
      compiled.set(key, value);
    }
    return value;
  };
}

/**
 * Workgroups of `size` invocations for `invocations`: at least one, at most the dispatch
 * limit (grid-stride loops in the shaders cover what it leaves over).
 */
export function workgroupCount(
  invocations: number,
  size: number,
  limits: Pick<GpuLimits, 'maxComputeWorkgroupsPerDimension'>,
): number {
  return Math.max(
    1,
    Math.min(Math.ceil(invocations / size), limits.maxComputeWorkgroupsPerDimension),
  );
}

/** Bindings 0, 1, 2… of bind group 0, whole buffers, in the order given. */
export function bufferBindings(buffers: readonly GPUBuffer[]): GPUBindGroupEntry[] {
  return buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
}

/** One compute pass in `encoder`: `pipeline` on bind group 0 of `entries`, `groups` workgroups. */
export function encodePass(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  entries: GPUBindGroupEntry[],
  groups: number,
  label: string,
): void {
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const pass = encoder.beginComputePass({ label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(groups);
  pass.end();
}

/**
 * For a chain of passes in `encoder`: a function that encodes one, binding the buffers it is
 * given as 0, 1, 2… (`encodePass` with `bufferBindings`).
 */
export function bufferPasses(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
): (pipeline: GPUComputePipeline, buffers: GPUBuffer[], groups: number, label: string) => void {
  return (pipeline, buffers, groups, label) => {
    encodePass(device, encoder, pipeline, bufferBindings(buffers), groups, label);
  };
}

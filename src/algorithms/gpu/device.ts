/// <reference types="@webgpu/types" />
// The GPU device every WebGPU kernel shares: acquired from an injected `GPU` object
// (navigator.gpu in browsers and workers, the `webgpu` package's in Node tests; this folder
// never imports one), with every way of not getting one turned into
// AlgorithmError('unavailable') and its reason — requestAdapter() and requestDevice() may
// resolve to null rather than throw (tfjs issue 8094). A device can be lost at any time
// (driver reset, another tab, destroy()): the context forgets it, and the next use acquires a
// new one or says why it cannot.
import { AlgorithmError } from '../errors.ts';

/** The limits that decide how an input is split into passes. */
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

export interface GpuContextOptions {
  /** Lower limits than the device's, to force the split paths in tests. */
  readonly limits?: Partial<GpuLimits>;
  readonly powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  readonly device: GPUDevice;
  /** A software adapter (SwiftShader): results are right, timings are no speed figure. */
  readonly isFallbackAdapter: boolean;
  /** The device's limits, lowered by the options' limits. */
  readonly limits: GpuLimits;
  /** Vendor and architecture, for benchmark rows and error messages. */
  readonly adapter: string;
}

function unavailable(reason: string): AlgorithmError {
  return new AlgorithmError('unavailable', `webgpu: ${reason}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `GPUAdapter.isFallbackAdapter` moved to `GPUAdapterInfo`; older runtimes have only the first. */
function fallbackFlag(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo | undefined;
  const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return info?.isFallbackAdapter ?? legacy ?? false;
}

/** One request for an adapter and a device, with the largest buffers the adapter allows. */
export async function acquireDevice(
  gpu: GPU | null | undefined,
  options: GpuContextOptions = {},
): Promise<AcquiredDevice> {
  if (gpu === null || gpu === undefined)
    throw unavailable('no GPU object here (navigator.gpu is absent)');
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(
      options.powerPreference === undefined
        ? undefined
        : { powerPreference: options.powerPreference },
    );
  } catch (error) {
    throw unavailable(`requestAdapter failed: ${messageOf(error)}`);
  }
  if (adapter === null) {
    throw unavailable(
      'requestAdapter() returned null (no adapter; Chromium needs --enable-unsafe-webgpu without a GPU)',
    );
  }
  const isFallbackAdapter = fallbackFlag(adapter);
  // The default device limits (128 MiB bindings) are lower than most adapters': ask for the
  // adapter's own, so fewer passes are needed.
  const wanted = {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
  let device: GPUDevice | null;
  try {
    device = await adapter.requestDevice({ requiredLimits: wanted });
  } catch (error) {
    throw unavailable(`requestDevice failed: ${messageOf(error)}`);
  }
  // The type says never null; tfjs met null devices on real browsers.
  if ((device as GPUDevice | null) === null) throw unavailable('requestDevice() returned null');
  const own = device.limits;
  const lower = options.limits ?? {};
  const limits: GpuLimits = {
    maxStorageBufferBindingSize: Math.min(
      own.maxStorageBufferBindingSize,
      lower.maxStorageBufferBindingSize ?? Infinity,
    ),
    maxBufferSize: Math.min(own.maxBufferSize, lower.maxBufferSize ?? Infinity),
    maxComputeWorkgroupsPerDimension: Math.min(
      own.maxComputeWorkgroupsPerDimension,
      lower.maxComputeWorkgroupsPerDimension ?? Infinity,
    ),
  };
  const info = adapter.info as GPUAdapterInfo | undefined;
  const name = [info?.vendor, info?.architecture, info?.description]
    .filter((part) => part)
    .join(' ');
  return { device, isFallbackAdapter, limits, adapter: name || 'unknown adapter' };
}

/**
 * Holds one device for the kernels of a registry and replaces it after a loss. `acquire()`
 * gives the current device, or a new one when the last was lost (or rejects with
 * `unavailable`, naming the loss); `close()` destroys it for good.
 */
export class GpuContext {
  private current: Promise<AcquiredDevice> | undefined;
  private currentDevice: GPUDevice | undefined;
  private lostReason: string | undefined;
  private closed = false;
  /** Devices acquired so far (1 unless one was lost); for tests and diagnostics. */
  generation = 0;

  constructor(
    private readonly gpu: GPU | null | undefined,
    private readonly options: GpuContextOptions = {},
  ) {}

  /** Why the last device went away, if one did. */
  get lost(): string | undefined {
    return this.lostReason;
  }

  acquire(): Promise<AcquiredDevice> {
    if (this.closed) return Promise.reject(unavailable('the GPU context was closed'));
    if (this.current === undefined) {
      const previous = this.lostReason;
      const attempt = acquireDevice(this.gpu, this.options).then(
        (acquired) => {
          this.generation++;
          this.currentDevice = acquired.device;
          this.watch(acquired.device);
          return acquired;
        },
        (error: unknown) => {
          // Do not cache the failure: a later call may find an adapter again.
          if (this.current === attempt) this.current = undefined;
          const after = previous === undefined ? '' : ` (after the device was lost: ${previous})`;
          throw error instanceof AlgorithmError
            ? unavailable(`${error.message.replace(/^webgpu: /, '')}${after}`)
            : error;
        },
      );
      this.current = attempt;
    }
    return this.current;
  }

  /** True when `device` is known lost (its `lost` promise settled). */
  async isLost(device: GPUDevice): Promise<boolean> {
    // An already-settled `lost` wins the race: its reaction is queued first.
    return Promise.race([device.lost.then(() => true), Promise.resolve().then(() => false)]);
  }

  /**
   * Runs `work` on the device; when it fails because the device was lost meanwhile, runs it
   * once more on a new device (the caller's inputs are still on the CPU, so nothing is lost).
   */
  async run<T>(work: (acquired: AcquiredDevice) => Promise<T>): Promise<T> {
    const acquired = await this.acquire();
    try {
      return await work(acquired);
    } catch (error) {
      if (!(await this.isLost(acquired.device))) throw error;
      this.forget(acquired.device, 'lost during use');
      // With the device lost, a fresh one (or `unavailable`) decides.
      return work(await this.acquire());
    }
  }

  close(): void {
    this.closed = true;
    const current = this.current;
    this.current = undefined;
    this.currentDevice = undefined;
    void current?.then(
      (acquired) => {
        acquired.device.destroy();
      },
      () => undefined,
    );
  }

  private watch(device: GPUDevice): void {
    void device.lost.then((info) => {
      this.forget(device, `${info.reason}: ${info.message}`);
    });
  }

  private forget(device: GPUDevice, reason: string): void {
    if (this.currentDevice !== device) return;
    this.current = undefined;
    this.currentDevice = undefined;
    this.lostReason = reason;
  }
}

/** What every WebGPU kernel shows beside its work: its context, submissions and device. */
export interface GpuKernelHandles<S extends { submits: number } = { submits: number }> {
  readonly context: GpuContext;
  /** Submissions so far (one per piece that fits the bindings); shows the splits in tests. */
  readonly stats: Readonly<S>;
  /** The device in use: a fallback adapter's (SwiftShader's) timings are no speed figure. */
  device(): Promise<AcquiredDevice>;
}

/**
 * A kernel's context, its device acquired and `prepare` (its pipelines' compile) run on it
 * now: a backend that cannot run says so when created, and the registry falls through to the
 * next one. The context is closed when either fails (nothing else holds it then).
 */
export async function openKernelContext(
  gpu: GPU | null | undefined,
  options: GpuContextOptions,
  prepare: (device: GPUDevice) => Promise<unknown>,
): Promise<{ context: GpuContext; acquired: AcquiredDevice }> {
  const context = new GpuContext(gpu, options);
  try {
    const acquired = await context.acquire();
    await prepare(acquired.device);
    return { context, acquired };
  } catch (error) {
    context.close();
    throw error;
  }
}

/** The GPU type, for modules that take one without referencing the WebGPU types themselves. */
export type WebGpu = GPU;

/** navigator.gpu where this runtime has one (browsers, workers), else undefined. */
export function navigatorGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

// The WebGPU FFT in Node (the `webgpu` package on SwiftShader) against a float64 DFT computed
// here, norm-wise within the float32 tolerance (1e-5).
import { afterAll, describe, expect, it } from 'vitest';
import { compareArrays } from '../../accuracy.ts';
import { isAlgorithmError } from '../../errors.ts';
import { nodeGpu } from '../test-support/node-gpu.suite.ts';
import {
  createGpuFft,
  fftFramesPerSubmission,
  twiddleCache,
  twiddleTable,
  type GpuFft,
} from './fft.ts';

/** The definition, in float64, per frame: X_k = Σ x_j e^(∓2πijk/n) (inverse with 1/n). */
function dft(input: ArrayLike<number>, n: number, inverse = false): Float64Array {
  const out = new Float64Array(input.length);
  const sign = inverse ? 1 : -1;
  for (let base = 0; base < input.length; base += 2 * n) {
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        // (j·k) mod n keeps the angle exact for large n.
        const angle = (sign * 2 * Math.PI * ((j * k) % n)) / n;
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        const xr = input[base + 2 * j] as number;
        const xi = input[base + 2 * j + 1] as number;
        re += xr * c - xi * s;
        im += xr * s + xi * c;
      }
      out[base + 2 * k] = inverse ? re / n : re;
      out[base + 2 * k + 1] = inverse ? im / n : im;
    }
  }
  return out;
}

function frames(n: number, count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: 2 * n * count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 30 - 1;
  });
}

let created: Promise<GpuFft> | undefined;
const gpuFft = () => (created ??= nodeGpu().then(({ gpu }) => createGpuFft(gpu)));

afterAll(async () => {
  (await created?.catch(() => undefined))?.context.close();
});

describe('webgpu fft (batched, power-of-two, float32)', () => {
  it('matches a float64 DFT, forward and inverse, for sizes 1 to 4096', async () => {
    const fft = await gpuFft();
    for (const [n, count] of [
      [1, 3],
      [2, 5],
      [4, 3],
      [8, 7],
      [64, 5],
      [1024, 3],
      [4096, 1],
    ] as const) {
      const input = frames(n, count, n);
      for (const inverse of [false, true]) {
        const got = await fft.fft(input, n, { inverse });
        const error = compareArrays(got, dft(input, n, inverse)).relativeError;
        expect(error, `n ${n}${inverse ? ' inverse' : ''}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('round-trips and places a pure tone in its bin', async () => {
    const fft = await gpuFft();
    const n = 256;
    const tone = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) tone[2 * j] = Math.cos((2 * Math.PI * 5 * j) / n);
    const spectrum = await fft.fft(tone, n);
    expect(spectrum[10]).toBeCloseTo(n / 2, 3);
    expect(spectrum[2 * (n - 5)]).toBeCloseTo(n / 2, 3);
    const back = await fft.fft(spectrum, n, { inverse: true });
    expect(compareArrays(back, tone).relativeError).toBeLessThanOrEqual(1e-6);
  });

  it('splits frames over submissions under a small binding limit', async () => {
    const { gpu } = await nodeGpu();
    // 4 KiB bindings: 512 complex samples, so 4 frames of 128 per submission.
    const small = await createGpuFft(gpu, {
      limits: { maxStorageBufferBindingSize: 4096, maxComputeWorkgroupsPerDimension: 1 },
    });
    try {
      const input = frames(128, 10, 9);
      const got = await small.fft(input, 128);
      expect(small.stats.submits).toBe(3);
      expect(compareArrays(got, dft(input, 128)).relativeError).toBeLessThanOrEqual(1e-5);
      const error: unknown = await small.fft(frames(1024, 1, 1), 1024).catch((e: unknown) => e);
      expect(isAlgorithmError(error, 'payload_too_large')).toBe(true);
    } finally {
      small.context.close();
    }
  });

  it('refuses sizes that are not powers of two, partial frames and non-finite samples', async () => {
    const fft = await gpuFft();
    const nan = frames(8, 1, 1);
    nan[3] = Number.NaN;
    for (const [input, n] of [
      [frames(6, 1, 1), 6],
      [new Float32Array(10), 4],
      [nan, 8],
      [new Float32Array(8), 0],
    ] as const) {
      const error: unknown = await fft.fft(input, n).catch((caught: unknown) => caught);
      expect(isAlgorithmError(error, 'bad_request'), String(error)).toBe(true);
    }
  });
});

describe('fftFramesPerSubmission and twiddleCache (no GPU)', () => {
  // 1024 bytes a binding: 128 complex samples, 256 float32 samples.
  const limits = {
    maxStorageBufferBindingSize: 1024,
    maxBufferSize: 4096,
    maxComputeWorkgroupsPerDimension: 65535,
  };
  it('takes the fewer frames of the complex work and of the samples', () => {
    // Complex: 128 / 32 = 4 frames; samples: (256 − 32) / 16 + 1 = 15 frames.
    expect(fftFramesPerSubmission(limits, { nperseg: 32, step: 16, nfft: 32 }, 'x')).toBe(4);
    // Complex: 128 / 8 = 16; samples: (256 − 8) / 128 + 1 = 2.
    expect(fftFramesPerSubmission(limits, { nperseg: 8, step: 128, nfft: 8 }, 'x')).toBe(2);
  });

  it('refuses a frame over one binding with the caller’s reason', () => {
    for (const shape of [
      { nperseg: 16, step: 16, nfft: 256 },
      { nperseg: 300, step: 1, nfft: 64 },
    ]) {
      let error: unknown;
      try {
        fftFramesPerSubmission(limits, shape, 'too large here');
      } catch (caught) {
        error = caught;
      }
      expect(isAlgorithmError(error, 'unavailable')).toBe(true);
      expect((error as Error).message).toBe('too large here');
    }
  });

  it('keeps one twiddle table per n', () => {
    const twiddlesOf = twiddleCache();
    const table = twiddlesOf(16);
    expect(twiddlesOf(16)).toBe(table);
    expect([...table]).toEqual([...twiddleTable(16)]);
    expect(twiddlesOf(32)).not.toBe(table);
    expect(twiddleCache()(16)).not.toBe(table);
  });
});

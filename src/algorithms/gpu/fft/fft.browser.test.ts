// The WebGPU FFT in Chromium on navigator.gpu (SwiftShader here): a tone lands in its bin and
// a random batch round-trips within the float32 tolerance.
import { afterAll, expect, it } from 'vitest';
import { compareArrays } from '../../accuracy.ts';
import { createGpuFft, type GpuFft } from './fft.ts';

let created: Promise<GpuFft> | undefined;

afterAll(async () => {
  (await created?.catch(() => undefined))?.context.close();
});

it('transforms a batch of frames on navigator.gpu', async () => {
  created = createGpuFft(navigator.gpu);
  const fft = await created;
  const n = 512;
  const frames = 8;
  const input = new Float32Array(2 * n * frames);
  for (let f = 0; f < frames; f++) {
    for (let j = 0; j < n; j++) input[2 * (f * n + j)] = Math.cos((2 * Math.PI * (f + 1) * j) / n);
  }
  const spectrum = await fft.fft(input, n);
  for (let f = 0; f < frames; f++) {
    expect(spectrum[2 * (f * n + f + 1)]).toBeCloseTo(n / 2, 3);
    expect(spectrum[2 * (f * n + n - f - 1)]).toBeCloseTo(n / 2, 3);
  }
  const back = await fft.fft(spectrum, n, { inverse: true });
  expect(compareArrays(back, input).relativeError).toBeLessThanOrEqual(1e-5);
});

// pffft-wasm loads where the app runs it: in Chromium's page and in a module worker, through
// Vite (which serves or bundles the emscripten glue and its .wasm), and agrees with js.
import { describe, expect, it } from 'vitest';
import { compareArrays } from '../accuracy.ts';
import { createFftKernels, fftPlan } from './index.ts';

const n = 4096;
const input = Float32Array.from(
  { length: n },
  (_, j) => Math.sin(j * 0.37) + ((j * 7919) % 13) / 13,
);
const reference = fftPlan(n, { kind: 'real', dtype: 'float32' }).forward(input);

describe('pffft-wasm in the browser', () => {
  it('loads on the page and matches the js plan', async () => {
    const kernel = await createFftKernels().get('wasm');
    try {
      const bins = kernel.plan(n, { kind: 'real', dtype: 'float32' }).forward(input);
      expect(compareArrays(bins, reference).relativeError).toBeLessThan(1e-5);
    } finally {
      kernel.dispose();
    }
  });

  it('loads in a module worker and matches the js plan', async () => {
    const worker = new Worker(new URL('./pffft.fixture.worker.ts', import.meta.url), {
      type: 'module',
    });
    try {
      const reply = await new Promise<{ bins?: Float32Array; error?: string }>(
        (resolve, reject) => {
          worker.onmessage = (event: MessageEvent<{ bins?: Float32Array; error?: string }>) => {
            resolve(event.data);
          };
          worker.onerror = (event) => {
            reject(new Error(event.message));
          };
          worker.postMessage(input);
        },
      );
      expect(reply.error).toBeUndefined();
      expect(compareArrays(reply.bins ?? [], reference).relativeError).toBeLessThan(1e-5);
    } finally {
      worker.terminate();
    }
  });
});

// Test fixture: loads the pffft kernel inside a module worker (as the compute pool will) and
// answers each message of n samples with the wasm r2c spectrum, or the load error's text.
import { createPffftKernel } from './kernels.ts';

self.onmessage = async (event: MessageEvent<Float32Array>) => {
  try {
    const kernel = await createPffftKernel();
    const input = event.data;
    const bins = kernel.plan(input.length, { kind: 'real', dtype: 'float32' }).forward(input);
    kernel.dispose();
    self.postMessage({ bins });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};

// The GPU object of the runtime a case table runs in: navigator.gpu in Chromium (SwiftShader
// here, launched with --enable-unsafe-webgpu by scripts/chromium.mjs), the `webgpu` package's
// Dawn in Node. One table file can then carry its webgpu row into both runtimes (Node runs it
// directly; case-tables.browser.test.ts imports it into Chromium).
import { navigatorGpu } from '../device.ts';
import { nodeGpu } from './node-gpu.suite.ts';

/** This runtime's GPU object, or the reason there is none (for the table's skip message). */
export async function testGpu(): Promise<{ gpu?: GPU; reason?: string }> {
  const own = navigatorGpu();
  if (own !== undefined) return { gpu: own };
  return nodeGpu();
}

/**
 * A lazily created kernel shared by a table's cases, and the `unavailable` hook that reports
 * why the webgpu row is skipped when there is no adapter in this runtime.
 */
export function lazyGpuKernel<K>(create: (gpu: GPU | undefined) => Promise<K>): {
  kernel: () => Promise<K>;
  unavailable: (backend: string) => Promise<string | undefined>;
} {
  let made: Promise<K> | undefined;
  const kernel = () => (made ??= testGpu().then(({ gpu }) => create(gpu)));
  return {
    kernel,
    async unavailable(backend) {
      if (backend !== 'webgpu') return undefined;
      try {
        await kernel();
        return undefined;
      } catch (error) {
        return `no WebGPU here: ${error instanceof Error ? error.message : String(error)}`;
      }
    },
  };
}

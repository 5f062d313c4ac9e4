// The `webgpu` package's GPU object (Dawn) for the unit tests of the WebGPU kernels in Node.
// Dawn finds no Vulkan driver here unless pointed at SwiftShader's, which Debian's Chromium
// ships (ENVIRONMENT.md): the variable must be set before the instance is created. Without
// it (or without the package), the reason is returned for the case table to report.

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let cached: Promise<{ gpu?: GPU; reason?: string }> | undefined;

/** One GPU object per test process (Dawn instances are heavy), or why there is none. */
export function nodeGpu(): Promise<{ gpu?: GPU; reason?: string }> {
  cached ??= (async () => {
    try {
      process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
      // A variable specifier, so that Vite does not try to bundle the Node addon when a table
      // that imports this file runs in Chromium (testGpu() never calls this there).
      const name = 'webgpu';
      const { create } = (await import(/* @vite-ignore */ name)) as typeof import('webgpu');
      return { gpu: create([]) };
    } catch (error) {
      return {
        reason: `the webgpu package did not load: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  })();
  return cached;
}

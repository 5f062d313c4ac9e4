// The committed module bytes must be what windowed.wat compiles to: an edit of the WAT without
// `node src/algorithms/windowed/wasm/build.mjs` fails here, not silently in production.
import { describe, expect, it } from 'vitest';
import { bytesOfBase64 } from './base64.ts';
import { compileWat, renderGenerated, TARGETS } from './build.mjs';
import generated from './windowed-wasm.generated.ts?raw';
import { WINDOWED_WASM_SHARED, WINDOWED_WASM_UNSHARED } from './windowed-wasm.generated.ts';
import wat from './windowed.wat?raw';

describe('windowed wasm build', () => {
  it('has committed the bytes windowed.wat compiles to (rerun build.mjs after an edit)', async () => {
    const target = TARGETS.find((each) => each.wat === 'windowed.wat');
    if (target === undefined) throw new Error('windowed.wat is not a build target');
    const modules = await compileWat(wat, target.wat);
    expect(bytesOfBase64(WINDOWED_WASM_SHARED)).toEqual(modules.shared);
    expect(bytesOfBase64(WINDOWED_WASM_UNSHARED)).toEqual(modules.unshared);
    expect(generated).toBe(renderGenerated(modules, target));
  });

  it('builds one module for a shared memory and one for an ordinary memory', async () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const plain = new WebAssembly.Memory({ initial: 1 });
    const sharedModule = new WebAssembly.Module(bytesOfBase64(WINDOWED_WASM_SHARED));
    const plainModule = new WebAssembly.Module(bytesOfBase64(WINDOWED_WASM_UNSHARED));
    expect(() => new WebAssembly.Instance(sharedModule, { env: { memory: shared } })).not.toThrow();
    expect(() => new WebAssembly.Instance(plainModule, { env: { memory: plain } })).not.toThrow();
    // The import's sharedness must match: this is why there are two builds.
    expect(() => new WebAssembly.Instance(sharedModule, { env: { memory: plain } })).toThrow();
    expect(() => new WebAssembly.Instance(plainModule, { env: { memory: shared } })).toThrow();
  });
});

// The committed module bytes must be what robust.wat compiles to (see
// src/algorithms/windowed/wasm/build.mjs, which builds every WAT module of the algorithms).
import { describe, expect, it } from 'vitest';
import { bytesOfBase64 } from '../../windowed/wasm/base64.ts';
import { compileWat, renderGenerated, TARGETS } from '../../windowed/wasm/build.mjs';
import generated from './robust-wasm.generated.ts?raw';
import { ROBUST_WASM_SHARED, ROBUST_WASM_UNSHARED } from './robust-wasm.generated.ts';
import wat from './robust.wat?raw';

describe('robust wasm build', () => {
  it('has committed the bytes robust.wat compiles to (rerun build.mjs after an edit)', async () => {
    const target = TARGETS.find((each) => each.wat.endsWith('/robust.wat'));
    if (target === undefined) throw new Error('robust.wat is not a build target');
    const modules = await compileWat(wat, target.wat);
    expect(bytesOfBase64(ROBUST_WASM_SHARED)).toEqual(modules.shared);
    expect(bytesOfBase64(ROBUST_WASM_UNSHARED)).toEqual(modules.unshared);
    expect(generated).toBe(renderGenerated(modules, target));
  });
});

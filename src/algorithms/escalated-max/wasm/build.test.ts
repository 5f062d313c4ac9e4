// The committed module bytes must be what escalated-max.wat compiles to (see
// src/algorithms/windowed/wasm/build.mjs, which builds every WAT module of the algorithms).
import { describe, expect, it } from 'vitest';
import { compileWat, renderGenerated, TARGETS } from '../../windowed/wasm/build.mjs';
import generated from './escalated-max-wasm.generated.ts?raw';
import wat from './escalated-max.wat?raw';

describe('escalated-max wasm build', () => {
  it('has committed the bytes escalated-max.wat compiles to (rerun build.mjs after an edit)', async () => {
    const target = TARGETS.find((each) => each.wat.endsWith('/escalated-max.wat'));
    if (target === undefined) throw new Error('escalated-max.wat is not a build target');
    expect(generated).toBe(renderGenerated(await compileWat(wat, target.wat), target));
  });
});

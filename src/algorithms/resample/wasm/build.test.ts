// The committed module bytes must be what polyphase.wat compiles to: an edit of the WAT without
// `node src/algorithms/resample/wasm/build.mjs` fails here, not silently in production.
import { describe, expect, it } from 'vitest';
import { bytesOfBase64 } from '../../windowed/wasm/base64.ts';
import { compilePolyphaseWat, renderPolyphaseGenerated } from './build.mjs';
import generated from './polyphase-wasm.generated.ts?raw';
import { POLYPHASE_WASM } from './polyphase-wasm.generated.ts';
import wat from './polyphase.wat?raw';

describe('polyphase wasm build', () => {
  it('has committed the bytes polyphase.wat compiles to (rerun build.mjs after an edit)', async () => {
    const bytes = await compilePolyphaseWat(wat);
    expect(bytesOfBase64(POLYPHASE_WASM)).toEqual(bytes);
    expect(generated).toBe(renderPolyphaseGenerated(bytes));
  });
});

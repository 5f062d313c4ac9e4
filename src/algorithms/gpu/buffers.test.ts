// The shared buffer helpers: withBuffers destroys what it tracked however the work ends (fake
// buffers), and submitAndRead, on this runtime's GPU (Dawn on SwiftShader in Node), returns
// the sources' bytes and counts the submission.
import { describe, expect, it } from 'vitest';
import { submitAndRead, uploadBuffer, uploadUniform, Usage, withBuffers } from './buffers.ts';
import { acquireDevice } from './device.ts';
import { testGpu } from './test-support/test-gpu.suite.ts';

function fakeBuffer(destroyed: string[], name: string): GPUBuffer {
  return {
    destroy: () => {
      destroyed.push(name);
    },
  } as unknown as GPUBuffer;
}

describe('withBuffers', () => {
  it('destroys the tracked buffers after the work, returning its value', async () => {
    const destroyed: string[] = [];
    const value = await withBuffers((track) => {
      const a = track(fakeBuffer(destroyed, 'a'));
      track(fakeBuffer(destroyed, 'b'));
      expect(destroyed).toEqual([]);
      return Promise.resolve(a);
    });
    expect(destroyed).toEqual(['a', 'b']);
    expect(typeof value.destroy).toBe('function');
  });

  it('destroys them when the work fails too', async () => {
    const destroyed: string[] = [];
    await expect(
      withBuffers((track) => {
        track(fakeBuffer(destroyed, 'a'));
        return Promise.reject(new Error('lost'));
      }),
    ).rejects.toThrow('lost');
    expect(destroyed).toEqual(['a']);
  });
});

describe('submitAndRead on this runtime GPU', () => {
  it('submits the encoder, reads the sources back and counts the submission', async (context) => {
    const { gpu, reason } = await testGpu();
    if (gpu === undefined) context.skip(`no WebGPU here: ${reason ?? 'unknown'}`);
    const { device } = await acquireDevice(gpu);
    try {
      const words = new Uint32Array([1, 2, 3]);
      const source = uploadBuffer(device, words, Usage.COPY_SRC, 'test source');
      const uniform = uploadUniform(device, [7, 8], 16, 'test uniform');
      const counter = { submits: 0 };
      const [first, second] = await submitAndRead(
        device,
        device.createCommandEncoder(),
        [
          { buffer: source, bytes: words.byteLength },
          { buffer: source, bytes: 4 },
        ],
        counter,
      );
      expect([...new Uint32Array(first as ArrayBuffer)]).toEqual([1, 2, 3]);
      expect([...new Uint32Array(second as ArrayBuffer)]).toEqual([1]);
      expect(counter.submits).toBe(1);
      await submitAndRead(device, device.createCommandEncoder(), []);
      expect(counter.submits).toBe(1);
      expect(uniform.size).toBe(16);
      source.destroy();
      uniform.destroy();
    } finally {
      device.destroy();
    }
  });
});

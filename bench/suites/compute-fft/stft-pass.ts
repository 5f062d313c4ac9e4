// One STFT pass of the compute-fft benchmark: 10^8 (or --quick 10^6) float32 samples made
// chunk by chunk in the worker (not timed), each chunk through stftInto on our FFT plan
// (pffft's wasm when it loads) into one reused frame buffer, every frame's power summed into a
// checksum (timed with the STFT: the output is consumed, never kept).
import { planOn, type FftKernel } from '../../../src/algorithms/fft/index.ts';
import type { KernelRegistry } from '../../../src/algorithms/registry.ts';
import {
  stft,
  stftBins,
  stftFrameCount,
  stftInto,
  stftParams,
} from '../../../src/algorithms/spectral/index.ts';
import { stftSample, type StftPass } from './protocol.ts';

export const STFT_NPERSEG = 1024;
export const STFT_NOVERLAP = 512;

export async function runStft(
  registry: KernelRegistry<FftKernel>,
  samples: number,
  chunk: number,
): Promise<StftPass> {
  const params = stftParams({
    window: 'hann',
    nperseg: STFT_NPERSEG,
    noverlap: STFT_NOVERLAP,
    fs: 1,
  });
  const plan = await planOn(registry, STFT_NPERSEG, { kind: 'real', dtype: 'float32' });
  const state = stft.init(params, 'float32');
  const stride = 2 * stftBins(params);
  const buffer = new Float32Array(chunk);
  const out = new Float32Array((Math.ceil(chunk / (STFT_NPERSEG - STFT_NOVERLAP)) + 1) * stride);
  let ms = 0;
  let checksum = 0;
  let frames = 0;
  for (let at = 0; at < samples; at += chunk) {
    const part = buffer.subarray(0, Math.min(chunk, samples - at));
    for (let i = 0; i < part.length; i++) part[i] = stftSample(at + i);
    const began = performance.now();
    const count = stftInto(state, part, out, 0, plan);
    let power = 0;
    for (let i = 0; i < count * stride; i++) {
      const v = out[i] as number;
      power += v * v;
    }
    ms += performance.now() - began;
    checksum += power;
    frames += count;
  }
  // boundary null, padded false (the streaming defaults): finish() would emit no frame.
  if (stftFrameCount(state, 0) !== 0) throw new Error('stft: frames left at the end');
  return { ms, checksum, frames, backend: plan.backend };
}

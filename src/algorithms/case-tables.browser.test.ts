// The algorithms' case tables (and their split-invariance checks) run again in Chromium: the
// same tables as in Node, through the browser's own engine, typed arrays and WebAssembly
// (pffft's SIMD build for the FFT's wasm row). Windowed statistics have their own browser
// test (windowed/windowed.browser.test.ts: js, wasm and WebGPU rows on navigator.gpu).
import './escalated-max/escalated-max.test.ts';
import './gpu/test-support/test-gpu.test.ts';
import './fft/fft.test.ts';
import './resample/resample.test.ts';
import './robust/robust.test.ts';
import './robust/webgpu/webgpu.test.ts';
import './spectral/scaling.test.ts';
import './spectral/stft.test.ts';
import './spectral/welch.test.ts';
import './spectral/windows.test.ts';

// Spectral analysis: windows, spectrum scaling, Welch PSD and the STFT (scipy's conventions;
// each module's header says where and why they differ).
export { getWindow, windowName, WINDOW_NAMES } from './windows.ts';
export type { WindowName, WindowOptions } from './windows.ts';
export {
  amplitudeFromPower,
  amplitudeToDb,
  DEFAULT_DB_FLOOR,
  powerFromBins,
  powerScale,
  powerToDb,
} from './scaling.ts';
export type { SpectralScaling } from './scaling.ts';
export type { SegmentParams } from './segments.ts';
export { welch, welchParams } from './welch.ts';
export type { WelchParams, WelchResult, WelchState } from './welch.ts';
export {
  createWasmWelchKernel,
  createWelchKernels,
  createWelchRunner,
  jsWelchKernel,
  runWelchSegments,
  welchBins,
  welchBlockSegments,
} from './welch-kernels.ts';
export type {
  WelchBlockResult,
  WelchKernel,
  WelchKernelsOptions,
  WelchLengths,
  WelchRunner,
  WelchSink,
} from './welch-kernels.ts';
export { createWebgpuWelchKernel, webgpuWelchRefusal } from './webgpu/welch-kernel.ts';
export type { WebgpuWelchKernel } from './webgpu/welch-kernel.ts';
export {
  stft,
  stftBins,
  stftFrameCount,
  stftFrequencies,
  stftInto,
  stftOnPlan,
  stftParams,
} from './stft.ts';
export type { StftOutput, StftParams, StftState } from './stft.ts';

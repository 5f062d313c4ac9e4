// The FFT's public surface: js plans for every size and dtype, and a kernel registry that adds
// pffft's wasm build for the sizes it takes. See plan.ts for conventions and the NaN rule.
export { fftPlan, MAX_FFT_SIZE } from './plan.ts';
export type { FftKind, FftPlan, FftPlanOptions, FftWasmBuffers } from './plan.ts';
export { createFftKernels, createPffftKernel, jsFftKernel, planOn } from './kernels.ts';
export type { FftKernel } from './kernels.ts';
export type { PffftModuleOptions } from './pffft-types.ts';
export { pffftUnsupported } from './pffft-kernel.ts';
// Batched, asynchronous transforms (many frames of one size): WebGPU (float32, any n) and the
// js plans behind a registry of their own, so the synchronous plans above stay as they are.
export {
  createWebgpuFftKernel,
  framesPerSubmission,
  webgpuFftUnsupported,
} from './webgpu/kernel.ts';
export type { BatchFftKernel, FftTransformOptions, GpuFftKernel } from './webgpu/kernel.ts';
export { createBatchFftKernels, jsBatchFftKernel, transformOn } from './webgpu/batch.ts';

// Robust statistics over a trailing window: rolling mean/std, rolling median/MAD and the
// robust z-score, each a streaming algorithm with bounded state, and their kernels per backend
// (js, wasm) over blocks of full windows.
export { MAX_MEAN_STD_WINDOW, meanStdParams, rollingMeanStd } from './meanStd.ts';
export type { MeanStdOutput, MeanStdParams, MeanStdState } from './meanStd.ts';
export {
  MAX_MEDIAN_WINDOW,
  medianMadParams,
  NORMAL_MAD_SCALE,
  rollingMedianMad,
  type MedianMadOutput,
  type MedianMadParams,
  type MedianMadState,
} from './medianMad.ts';
export type { RollingWindow } from './params.ts';
export { robustZScore, type ZScoreOutput } from './zscore.ts';
export { robustZ } from './robustZ.ts';
export {
  createRobustKernels,
  jsRobustKernel,
  robustOutputs,
  runRobustBlock,
  windowsIn,
  type RobustBlockRun,
  type RobustKernel,
  type RobustStatistic,
} from './kernels.ts';

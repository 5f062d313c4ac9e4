// Resampling: streaming polyphase resample_poly, FIR decimation, and the FIR design they use.
export { decimate, decimateParams, type DecimateParams } from './decimate.ts';
export {
  besselI0,
  DEFAULT_WINDOW,
  firwin,
  firWindow,
  MAX_TAPS,
  windowValues,
  type FirWindow,
} from './firwin.ts';
export {
  createPolyphaseKernels,
  jsPolyphaseKernel,
  type AnyPolyphaseKernel,
  type AsyncPolyphaseKernel,
  type PolyphaseKernel,
  type PolyphaseKernelsOptions,
} from './kernels.ts';
export {
  finishPolyphaseAsync,
  MAX_OUTPUTS_PER_CALL,
  updatePolyphaseAsync,
  type PolyphaseState,
} from './polyphase.ts';
export { gcd, limitDenominator, ratioToUpDown, type RatioRule } from './ratio.ts';
export {
  MAX_FACTOR,
  resampleParams,
  resamplePoly,
  type ResampleInput,
  type ResampleParams,
} from './reference.ts';

// The number of full windows in a block ('valid' alignment), apart from kernels.ts so that the
// kernels it registers can use it without importing their own registry.

/** The number of full windows in a block. */
export function windowsIn(blockLength: number, window: number): number {
  return Math.max(0, blockLength - window + 1);
}

// Types of the peers' packages that ship none (only what the compute-fft worker uses).

declare module 'fft.js' {
  /** indutny's radix-4 FFT: sizes that are powers of two > 1; arrays interleaved complex. */
  class FFT {
    constructor(size: number);
    readonly size: number;
    /** Fills bins 0…n/2 of `out` (2n numbers) from n real samples. */
    realTransform(out: ArrayLike<number>, data: ArrayLike<number>): void;
    /** Forward complex transform, `data` and `out` 2n numbers, distinct. */
    transform(out: ArrayLike<number>, data: ArrayLike<number>): void;
  }
  export default FFT;
}

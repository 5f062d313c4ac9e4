// The size-n complex transform the plans run on: Stockham for 2^a·3^b·5^c, Bluestein otherwise.
// Cores hold float64 buffers and twiddles, so they are cached by size (a few, most recent
// kept): a Welch or STFT stream asks for the same size again and again.
import { AlgorithmError } from '../errors.ts';
import { createBluesteinCore } from './bluestein.ts';
import { createStockhamCore, smoothFactors, type ComplexCore } from './stockham.ts';

const CACHE_SIZE = 16;
const cache = new Map<number, ComplexCore>();

function build(n: number): ComplexCore {
  const factors = smoothFactors(n);
  try {
    return factors === undefined ? createBluesteinCore(n) : createStockhamCore(n, factors);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new AlgorithmError('payload_too_large', `fft: no memory for a size-${n} plan here`);
    }
    throw error;
  }
}

/** The cached complex core of size n (n ≥ 1, checked by the caller). */
export function complexCore(n: number): ComplexCore {
  let core = cache.get(n);
  if (core !== undefined) {
    // Most recently used last, so eviction drops the oldest.
    cache.delete(n);
  } else {
    core = build(n);
    if (cache.size >= CACHE_SIZE) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
  }
  cache.set(n, core);
  return core;
}

/** Drops the core of size n from the cache (plans holding it keep it alive until dropped). */
export function forgetCore(n: number): void {
  cache.delete(n);
}

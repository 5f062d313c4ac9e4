// Seeded random numbers for benchmark data, so every run (and both sides of a comparison)
// sees the same data.

/** mulberry32: small, fast, good enough for benchmark data. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** In [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** `chars` lowercase hex digits. */
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += this.u32().toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }
  /** Random lowercase words, about `chars` characters. */
  words(chars: number): string {
    let out = '';
    while (out.length < chars) {
      const word = (this.u32() % 60466176).toString(36); // up to 5 base-36 digits
      out += out.length === 0 ? word : ` ${word}`;
    }
    return out;
  }
}

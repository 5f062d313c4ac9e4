// WGSL for the robust statistics on WebGPU: rolling mean/std and rolling median/MAD over every
// full window of a block ('valid' alignment), float32.
//
// NaN rule (meanStd.ts, medianMad.ts): NaN is a gap, ±∞ are observations, a window with fewer
// than minPeriods non-NaN samples is NaN. WGSL lets an implementation assume no NaN or
// infinity, so no float here ever is one: samples arrive as u32 bit patterns and are classified
// by their bits (NaN: exponent all ones, mantissa ≠ 0; ±∞: exponent all ones, mantissa 0);
// only finite values enter float arithmetic, and every non-finite output is written as a bit
// pattern (or left to the CPU, which finishes each record in float64).
//
// Mean/std: per window, (a) integer pass: counts of finite, +∞, −∞ samples and the largest
// finite magnitude (its bits), (b) the finite samples scaled by 2^−E (E: that magnitude's
// exponent, so the largest is in [1, 2); exact, and nothing can overflow whatever the data),
// Neumaier-compensated sum → mean, (c) compensated Σe and Σe² of e = x·2^−E − mean, the
// corrected two-pass variance Σe² − (Σe)²/n (the second term removes the first pass's mean
// error, so an offset of 1e6 on unit noise costs nothing). The record holds mean and std of
// the scaled values and E; the CPU multiplies by 2^E in float64 and rounds once to float32.
// Cost: three reads of each window, O(n·w) for a block of n samples. Short windows (or many
// windows) run one invocation per window (`perThread`); long ones one workgroup per window
// (`perGroup`: strided partial sums, merged in a fixed order from workgroup memory).
//
// Median/MAD: exact order statistics by radix selection on order-preserving u32 keys, one
// invocation per window and no workgroup memory: the k-th smallest key is found bit by bit
// (32 counting passes over the window), the one below it by one more pass. The median's keys go
// back to the CPU, which takes their mean in float64 as numpy does; the MAD selects on the keys
// of |x − m| (m as an exact float32 pair for an even count, so the deviations are the exact ones
// rounded once to float32) and the CPU again averages and scales in float64. Cost ≈ 67 reads of
// the window per output, hence the window limit in kernel.ts.

/** Invocations per workgroup of every entry point. */
export const WORKGROUP = 64;
/** Windows up to this long run one invocation per window in the mean/std pass. */
export const PER_THREAD_MAX = 256;
/** With at least this many windows, one invocation per window fills a GPU whatever the length. */
export const PER_THREAD_WINDOWS = 2048;

/** Whether a mean/std pass uses `perThread` (no barriers) rather than `perGroup`. */
export function usePerThread(window: number, windows: number): boolean {
  return window <= PER_THREAD_MAX || windows >= PER_THREAD_WINDOWS;
}

/** Bytes of one output record (four u32 words) for both statistics. */
export const RECORD_BYTES = 16;
/** Bytes of the uniform block. */
export const PARAMS_BYTES = 32;

/** The uniform block's words: window, windows (outputs), groups, minPeriods, ddof, pad × 3. */
export function paramsWords(
  window: number,
  windows: number,
  groups: number,
  minPeriods: number,
  ddof: number,
): Uint32Array {
  return new Uint32Array([window, windows, groups, minPeriods, ddof, 0, 0, 0]);
}

const common = /* wgsl */ `
struct Params {
  window: u32, windows: u32, groups: u32, minPeriods: u32,
  ddof: u32, pad0: u32, pad1: u32, pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> samples: array<u32>;
@group(0) @binding(2) var<storage, read_write> records: array<vec4<u32>>;

const WG: u32 = ${WORKGROUP}u;
const EXPONENT: u32 = 0x7f800000u;
const MANTISSA: u32 = 0x007fffffu;
const NAN_BITS: u32 = 0x7fc00000u;
const POS_INF: u32 = 0x7f800000u;
const NEG_INF: u32 = 0xff800000u;
`;

const meanStd = /* wgsl */ `
// Counts and the largest finite magnitude's bits (integer work only).
struct Census { finite: u32, posInf: u32, negInf: u32, maxMag: u32 }

fn census(acc: Census, bits: u32) -> Census {
  var c = acc;
  if ((bits & EXPONENT) == EXPONENT) {
    if ((bits & MANTISSA) == 0u) {
      if ((bits & 0x80000000u) == 0u) { c.posInf += 1u; } else { c.negInf += 1u; }
    }
  } else {
    c.finite += 1u;
    c.maxMag = max(c.maxMag, bits & 0x7fffffffu);
  }
  return c;
}

// floor(log2 |x|) of a finite nonzero magnitude's bits, subnormals included.
fn exponentOf(mag: u32) -> i32 {
  let biased = i32(mag >> 23u);
  if (biased == 0) { return i32(firstLeadingBit(mag)) - 149; }
  return biased - 127;
}

// A finite sample times 2^-e, built from its integer parts so a subnormal input is never
// flushed: ±m · 2^(ex − 150 − e) with m < 2^24 exact in f32.
fn scaled(bits: u32, e: i32) -> f32 {
  let biased = i32((bits >> 23u) & 0xffu);
  var m = bits & MANTISSA;
  var ex = biased;
  if (biased == 0) { ex = 1; } else { m = m | 0x00800000u; }
  let v = ldexp(f32(m), ex - 150 - e);
  if ((bits & 0x80000000u) != 0u) { return -v; }
  return v;
}

// (sum, compensation) + x, Neumaier's branch on magnitudes so either order is exact.
fn addTo(acc: vec2<f32>, x: f32) -> vec2<f32> {
  let s = acc.x + x;
  var e: f32;
  if (abs(acc.x) >= abs(x)) { e = (acc.x - s) + x; } else { e = (x - s) + acc.x; }
  return vec2<f32>(s, acc.y + e);
}

fn mergeSums(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = addTo(a, b.x);
  return vec2<f32>(s.x, s.y + b.y);
}

// The record of a window whose counts decide it without sums, or vec4(0) when sums are needed.
// Word 3 is 1 for a decided record.
fn decided(c: Census) -> vec4<u32> {
  if (c.finite + c.posInf + c.negInf < params.minPeriods) {
    return vec4<u32>(NAN_BITS, NAN_BITS, 0u, 1u);
  }
  if (c.posInf + c.negInf > 0u) {
    var mean = NAN_BITS;
    if (c.negInf == 0u) { mean = POS_INF; }
    if (c.posInf == 0u) { mean = NEG_INF; }
    return vec4<u32>(mean, NAN_BITS, 0u, 1u);
  }
  if (c.maxMag == 0u) {
    // All samples ±0: mean 0, std 0 (NaN without enough degrees of freedom).
    var sd = 0u;
    if (c.finite <= params.ddof) { sd = NAN_BITS; }
    return vec4<u32>(0u, sd, 0u, 1u);
  }
  return vec4<u32>(0u);
}

// The record from the scaled sums: mean and std of x·2^-e, and e.
fn finished(n: u32, e: i32, meanS: f32, sums: vec4<f32>) -> vec4<u32> {
  let nf = f32(n);
  let se = sums.x + sums.y;
  let see = sums.z + sums.w;
  let mean = meanS + se / nf;
  let m2 = max(see - se * se / nf, 0.0);
  var sd = NAN_BITS;
  if (n > params.ddof) { sd = bitcast<u32>(sqrt(m2 / f32(n - params.ddof))); }
  return vec4<u32>(bitcast<u32>(mean), sd, bitcast<u32>(e), 0u);
}

fn isFinite(bits: u32) -> bool { return (bits & EXPONENT) != EXPONENT; }

@compute @workgroup_size(WG)
fn meanStdPerThread(@builtin(global_invocation_id) gid: vec3<u32>) {
  let stride = params.groups * WG;
  let w = params.window;
  for (var out = gid.x; out < params.windows; out += stride) {
    var c = Census(0u, 0u, 0u, 0u);
    for (var i = 0u; i < w; i++) { c = census(c, samples[out + i]); }
    let early = decided(c);
    if (early.w == 1u) { records[out] = early; continue; }
    let e = exponentOf(c.maxMag);
    var sum = vec2<f32>(0.0, 0.0);
    for (var i = 0u; i < w; i++) {
      let bits = samples[out + i];
      if (isFinite(bits)) { sum = addTo(sum, scaled(bits, e)); }
    }
    let meanS = (sum.x + sum.y) / f32(c.finite);
    var s1 = vec2<f32>(0.0, 0.0);
    var s2 = vec2<f32>(0.0, 0.0);
    for (var i = 0u; i < w; i++) {
      let bits = samples[out + i];
      if (isFinite(bits)) {
        let d = scaled(bits, e) - meanS;
        s1 = addTo(s1, d);
        s2 = addTo(s2, d * d);
      }
    }
    records[out] = finished(c.finite, e, meanS, vec4<f32>(s1, s2));
  }
}

var<workgroup> finiteCount: atomic<u32>;
var<workgroup> posCount: atomic<u32>;
var<workgroup> negCount: atomic<u32>;
var<workgroup> maxMagnitude: atomic<u32>;
var<workgroup> partials: array<vec4<f32>, WG>;

// The workgroup's partial sums in one fixed order (every invocation gets the same bits): one
// barrier before, instead of a tree's barrier per level (SwiftShader runs each barrier as a
// coroutine switch of every invocation).
fn totalOf() -> vec4<f32> {
  var sums = partials[0];
  for (var j = 1u; j < WG; j++) {
    let b = partials[j];
    sums = vec4<f32>(mergeSums(sums.xy, b.xy), mergeSums(sums.zw, b.zw));
  }
  return sums;
}

// One workgroup per window: strided partials, atomics for the counts, workgroup memory for the
// sums; six barriers per window.
@compute @workgroup_size(WG)
fn meanStdPerGroup(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let t = lid.x;
  let w = params.window;
  for (var out = wid.x; out < params.windows; out += params.groups) {
    if (t == 0u) {
      atomicStore(&finiteCount, 0u);
      atomicStore(&posCount, 0u);
      atomicStore(&negCount, 0u);
      atomicStore(&maxMagnitude, 0u);
    }
    workgroupBarrier();
    var c = Census(0u, 0u, 0u, 0u);
    for (var i = t; i < w; i += WG) { c = census(c, samples[out + i]); }
    atomicAdd(&finiteCount, c.finite);
    atomicAdd(&posCount, c.posInf);
    atomicAdd(&negCount, c.negInf);
    atomicMax(&maxMagnitude, c.maxMag);
    workgroupBarrier();
    let whole = Census(
      atomicLoad(&finiteCount), atomicLoad(&posCount), atomicLoad(&negCount),
      atomicLoad(&maxMagnitude),
    );
    let early = decided(whole);
    // Every invocation runs every barrier; a decided window only skips the arithmetic.
    let e = exponentOf(max(whole.maxMag, 1u));
    var sum = vec2<f32>(0.0, 0.0);
    if (early.w == 0u) {
      for (var i = t; i < w; i += WG) {
        let bits = samples[out + i];
        if (isFinite(bits)) { sum = addTo(sum, scaled(bits, e)); }
      }
    }
    partials[t] = vec4<f32>(sum, 0.0, 0.0);
    workgroupBarrier();
    let total = totalOf();
    let meanS = (total.x + total.y) / f32(max(whole.finite, 1u));
    workgroupBarrier();
    var s1 = vec2<f32>(0.0, 0.0);
    var s2 = vec2<f32>(0.0, 0.0);
    if (early.w == 0u) {
      for (var i = t; i < w; i += WG) {
        let bits = samples[out + i];
        if (isFinite(bits)) {
          let d = scaled(bits, e) - meanS;
          s1 = addTo(s1, d);
          s2 = addTo(s2, d * d);
        }
      }
    }
    partials[t] = vec4<f32>(s1, s2);
    workgroupBarrier();
    if (t == 0u) {
      if (early.w == 1u) { records[out] = early; }
      else { records[out] = finished(whole.finite, e, meanS, totalOf()); }
    }
    // Nobody resets the counters or the partials for the next window before they are read.
    workgroupBarrier();
  }
}
`;

const medianMad = /* wgsl */ `
const NO_KEY: u32 = 0xffffffffu;

// The order-preserving key of a sample's bits (negative: all bits flipped; positive: sign bit
// set), NO_KEY for NaN (above every real key, +∞'s included). −0 is +0, as in the reference.
fn valueKey(raw: u32) -> u32 {
  if ((raw & EXPONENT) == EXPONENT && (raw & MANTISSA) != 0u) { return NO_KEY; }
  var bits = raw;
  if (bits == 0x80000000u) { bits = 0u; }
  if ((bits & 0x80000000u) != 0u) { return ~bits; }
  return bits | 0x80000000u;
}

fn bitsOfKey(key: u32) -> u32 {
  if ((key & 0x80000000u) != 0u) { return key & 0x7fffffffu; }
  return ~key;
}

// The key of |x − (mHi + mLo)| (finite m): ∞ for ±∞ samples, NO_KEY for NaN.
fn deviationKey(raw: u32, mHi: f32, mLo: f32) -> u32 {
  if ((raw & EXPONENT) == EXPONENT) {
    if ((raw & MANTISSA) != 0u) { return NO_KEY; }
    return POS_INF | 0x80000000u;
  }
  let d = abs((bitcast<f32>(raw) - mHi) - mLo);
  return bitcast<u32>(d) | 0x80000000u;
}

fn keyAt(i: u32, deviations: bool, mHi: f32, mLo: f32) -> u32 {
  if (deviations) { return deviationKey(samples[i], mHi, mLo); }
  return valueKey(samples[i]);
}

// The k-th smallest key (0-based) of the window at base: the largest K with #(keys < K) ≤ k.
fn selectKey(base: u32, k: u32, deviations: bool, mHi: f32, mLo: f32) -> u32 {
  var prefix = 0u;
  for (var bit = 31i; bit >= 0i; bit--) {
    let candidate = prefix | (1u << u32(bit));
    var below = 0u;
    for (var i = 0u; i < params.window; i++) {
      if (keyAt(base + i, deviations, mHi, mLo) < candidate) { below += 1u; }
    }
    if (below <= k) { prefix = candidate; }
  }
  return prefix;
}

// The (k−1)-th smallest key given the k-th (k ≥ 1): the largest key below it, or itself when
// it is repeated below rank k.
fn keyBelow(base: u32, k: u32, key: u32, deviations: bool, mHi: f32, mLo: f32) -> u32 {
  var below = 0u;
  var largest = 0u;
  for (var i = 0u; i < params.window; i++) {
    let other = keyAt(base + i, deviations, mHi, mLo);
    if (other < key) { below += 1u; largest = max(largest, other); }
  }
  if (below < k) { return key; }
  return largest;
}

fn isFiniteBits(bits: u32) -> bool { return (bits & EXPONENT) != EXPONENT; }

@compute @workgroup_size(WG)
fn medianMad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let stride = params.groups * WG;
  for (var out = gid.x; out < params.windows; out += stride) {
    var size = 0u;
    for (var i = 0u; i < params.window; i++) {
      if (valueKey(samples[out + i]) != NO_KEY) { size += 1u; }
    }
    if (size < params.minPeriods || size == 0u) {
      records[out] = vec4<u32>(NAN_BITS, NAN_BITS, NAN_BITS, NAN_BITS);
      continue;
    }
    let half = size / 2u;
    let even = size % 2u == 0u;
    let upper = selectKey(out, half, false, 0.0, 0.0);
    var lower = upper;
    if (even) { lower = keyBelow(out, half, upper, false, 0.0, 0.0); }
    let hiBits = bitsOfKey(upper);
    let loBits = bitsOfKey(lower);
    if (!isFiniteBits(hiBits) || !isFiniteBits(loBits)) {
      // An infinite (or ∞ − ∞) median: the MAD is NaN.
      records[out] = vec4<u32>(loBits, hiBits, NAN_BITS, NAN_BITS);
      continue;
    }
    // m = (a + b) / 2 as an exact pair: TwoSum, then halving (exact barring subnormals).
    let a = bitcast<f32>(loBits);
    let b = bitcast<f32>(hiBits);
    let s = a + b;
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    let mHi = s * 0.5;
    let mLo = err * 0.5;
    let devUpper = selectKey(out, half, true, mHi, mLo);
    var devLower = devUpper;
    if (even) { devLower = keyBelow(out, half, devUpper, true, mHi, mLo); }
    records[out] = vec4<u32>(loBits, hiBits, bitsOfKey(devLower), bitsOfKey(devUpper));
  }
}
`;

export type RobustEntry = 'meanStdPerThread' | 'meanStdPerGroup' | 'medianMad';

/** The module of an entry point (the two statistics compile separately). */
export function robustShader(entry: RobustEntry): string {
  return common + (entry === 'medianMad' ? medianMad : meanStd);
}

// WGSL for windowed statistics. One shader reduces consecutive segments of `segLen` inputs
// into one record each (min key, max key, compensated sum, finite count); its input is either
// float32 samples (level 0) or records of the level below (pyramid levels chained on the GPU).
//
// NaN rule (reference.ts): WGSL lets an implementation assume no NaN or infinity, so a
// comparison or min() that meets one is unspecified. Nothing here compares floats: samples
// are read as u32 bits; NaN is "exponent all ones, mantissa ≠ 0", ±Inf "exponent all ones,
// mantissa 0"; min/max run on an order-preserving u32 key of the bits (negative: all bits
// flipped; positive: sign bit set), so ±Inf are ordinary extremes and a NaN never enters.
// Finite samples feed the sum and count. A segment of only NaN keeps min key 0xffffffff >
// max key 0, which the CPU decodes as NaN.
//
// Sum: Neumaier-compensated float32 per invocation, then a tree of compensated merges in the
// workgroup; the CPU adds (sum + compensation) in float64. Enough for the 1e-5 norm-wise
// float32 tolerance with room to spare (a float32 sum that overflows is caught on the CPU).

/** Invocations per workgroup: 256 is the default maxComputeInvocationsPerWorkgroup. */
export const WORKGROUP = 256;
/** Segments up to this long are reduced by one invocation each (no workgroup tree). */
export const PER_THREAD_MAX = 32;
/**
 * With at least this many segments, one invocation per segment already fills a GPU, and the
 * workgroup tree's barriers only cost: SwiftShader runs barriers as coroutine switches, about
 * 4 ms per 256-invocation workgroup (16M samples at window 1024: 63 s with the tree).
 */
export const PER_THREAD_SEGMENTS = 2048;

/** Whether a pass uses `perThread` (no barriers) rather than `perGroup` (a workgroup tree). */
export function usePerThread(segLen: number, segCount: number): boolean {
  return segLen <= PER_THREAD_MAX || segCount >= PER_THREAD_SEGMENTS;
}
/** Bytes of one record: min key, max key, sum, compensation, count. */
export const RECORD_BYTES = 20;
/** Bytes of the uniform block: segLen, segCount, groups, pad. */
export const PARAMS_BYTES = 16;

export type ShaderInput = 'values' | 'records';

const common = /* wgsl */ `
struct Rec { minKey: u32, maxKey: u32, sum: f32, comp: f32, count: u32 }
struct Params { segLen: u32, segCount: u32, groups: u32, pad: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> records: array<Rec>;

const WG: u32 = ${WORKGROUP}u;
const EMPTY = Rec(0xffffffffu, 0u, 0.0, 0.0, 0u);

fn orderKey(bits: u32) -> u32 {
  if ((bits & 0x80000000u) != 0u) { return ~bits; }
  return bits | 0x80000000u;
}

// (sum, compensation) + x, Neumaier's branch on magnitudes so either order is exact.
fn addTo(acc: vec2<f32>, x: f32) -> vec2<f32> {
  let s = acc.x + x;
  var e: f32;
  if (abs(acc.x) >= abs(x)) { e = (acc.x - s) + x; } else { e = (x - s) + acc.x; }
  return vec2<f32>(s, acc.y + e);
}

fn merge(a: Rec, b: Rec) -> Rec {
  let s = addTo(vec2<f32>(a.sum, a.comp), b.sum);
  return Rec(min(a.minKey, b.minKey), max(a.maxKey, b.maxKey), s.x, s.y + b.comp, a.count + b.count);
}
`;

const loadValues = /* wgsl */ `
@group(0) @binding(1) var<storage, read> input: array<u32>;

fn load(i: u32) -> Rec {
  let bits = input[i];
  let exponent = bits & 0x7f800000u;
  if (exponent == 0x7f800000u) {
    if ((bits & 0x007fffffu) != 0u) { return EMPTY; }
    let k = orderKey(bits);
    return Rec(k, k, 0.0, 0.0, 0u);
  }
  let k = orderKey(bits);
  return Rec(k, k, bitcast<f32>(bits), 0.0, 1u);
}
`;

const loadRecords = /* wgsl */ `
@group(0) @binding(1) var<storage, read> input: array<Rec>;

fn load(i: u32) -> Rec { return input[i]; }
`;

const kernels = /* wgsl */ `
var<workgroup> tree: array<Rec, WG>;

// One invocation per segment (short segments): no barriers, no idle invocations.
@compute @workgroup_size(WG)
fn perThread(@builtin(global_invocation_id) gid: vec3<u32>) {
  let stride = params.groups * WG;
  for (var seg = gid.x; seg < params.segCount; seg += stride) {
    let base = seg * params.segLen;
    var acc = EMPTY;
    for (var i = 0u; i < params.segLen; i++) { acc = merge(acc, load(base + i)); }
    records[seg] = acc;
  }
}

// One workgroup per segment: a strided loop (any length) then a tree in workgroup memory.
@compute @workgroup_size(WG)
fn perGroup(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = lid.x;
  for (var seg = wid.x; seg < params.segCount; seg += params.groups) {
    let base = seg * params.segLen;
    var acc = EMPTY;
    for (var i = t; i < params.segLen; i += WG) { acc = merge(acc, load(base + i)); }
    tree[t] = acc;
    workgroupBarrier();
    for (var half = WG / 2u; half > 0u; half >>= 1u) {
      if (t < half) { tree[t] = merge(tree[t], tree[t + half]); }
      workgroupBarrier();
    }
    if (t == 0u) { records[seg] = tree[0]; }
    // Nobody overwrites tree[0] for the next segment before it is stored.
    workgroupBarrier();
  }
}
`;

export function windowedShader(input: ShaderInput): string {
  return common + (input === 'values' ? loadValues : loadRecords) + kernels;
}

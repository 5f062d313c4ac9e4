// WGSL for the escalated maximum: a per-channel inclusive max-scan over whole frames of
// float32 samples, reduce-then-scan in three kinds of pass, chained without readback:
//   reduce  — invocation (segment s, channel c) takes the max key of its SEGMENT frames;
//   sweep   — one Hillis–Steele step (distance d rows) over the rows of segment maxima, whose
//             row 0 is the incoming maxima: after log2(rows) steps row s is the maximum of
//             everything before segment s (and the last row the channels' new maxima);
//   apply   — invocation (s, c) rescans its segment from that carry, writing the outputs.
// Invocations of one segment are consecutive by channel, so a frame's loads are contiguous.
//
// NaN rule (reference.ts: np.fmax.accumulate): WGSL lets an implementation assume no NaN or
// infinity, so nothing here compares floats. Samples are read as u32 bits and mapped to an
// order-preserving key (negative: all bits flipped; positive: sign bit set); NaN maps to key 0,
// below every number (whose keys are ≥ 0x00800000: the lowest, −Infinity, is ~0xff800000), so
// max() ignores it and a channel with nothing yet keeps key 0, decoded as NaN. −0 takes the key
// of +0, so the output is 0 as the reference's `m + 0` writes it. ±Infinity are ordinary keys.

/** Invocations per workgroup: the default maxComputeInvocationsPerWorkgroup is 256. */
export const WORKGROUP = 256;
/** Frames one invocation scans serially in `reduce` and `apply`. */
export const SEGMENT = 32;
/** Bytes of the uniform block: channels, frames, segments, distance, invocations, stride. */
export const PARAMS_BYTES = 32;

/** The u32 key of a float32 sample's bits (the shader's `keyOf`), for seeding from the CPU. */
export function keyOfBits(bits: number): number {
  const exponent = bits & 0x7f800000;
  if (exponent === 0x7f800000 && (bits & 0x007fffff) !== 0) return 0;
  if (bits >>> 0 === 0x80000000) return 0x80000000;
  return (bits & 0x80000000) !== 0 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

/** The float32 bits of a key (the shader's `bitsOf`): key 0 is NaN. */
export function bitsOfKey(key: number): number {
  if (key === 0) return 0x7fc00000;
  return (key & 0x80000000) !== 0 ? (key & 0x7fffffff) >>> 0 : ~key >>> 0;
}

export const escalatedMaxShader = /* wgsl */ `
struct Params {
  channels: u32,
  frames: u32,
  segments: u32,
  distance: u32,
  invocations: u32,
  stride: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> values: array<u32>;
@group(0) @binding(2) var<storage, read> carriesIn: array<u32>;
@group(0) @binding(3) var<storage, read_write> carriesOut: array<u32>;
@group(0) @binding(4) var<storage, read_write> outBits: array<u32>;

const SEGMENT: u32 = ${SEGMENT}u;
const NAN_BITS: u32 = 0x7fc00000u;

fn keyOf(bits: u32) -> u32 {
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0u) { return 0u; }
  if (bits == 0x80000000u) { return 0x80000000u; }
  if ((bits & 0x80000000u) != 0u) { return ~bits; }
  return bits | 0x80000000u;
}

fn bitsOf(key: u32) -> u32 {
  if (key == 0u) { return NAN_BITS; }
  if ((key & 0x80000000u) != 0u) { return key & 0x7fffffffu; }
  return ~key;
}

fn frameEnd(segment: u32) -> u32 {
  return min((segment + 1u) * SEGMENT, params.frames);
}

@compute @workgroup_size(${WORKGROUP})
fn reduce(@builtin(global_invocation_id) id: vec3<u32>) {
  for (var i = id.x; i < params.invocations; i += params.stride) {
    let c = i % params.channels;
    let s = i / params.channels;
    var m = 0u;
    for (var f = s * SEGMENT; f < frameEnd(s); f++) {
      m = max(m, keyOf(values[f * params.channels + c]));
    }
    // Row 0 holds the incoming maxima; segment s is row s + 1.
    carriesOut[i + params.channels] = m;
  }
}

@compute @workgroup_size(${WORKGROUP})
fn sweep(@builtin(global_invocation_id) id: vec3<u32>) {
  let back = params.distance * params.channels;
  for (var i = id.x; i < params.invocations; i += params.stride) {
    var m = carriesIn[i];
    if (i >= back) { m = max(m, carriesIn[i - back]); }
    carriesOut[i] = m;
  }
}

@compute @workgroup_size(${WORKGROUP})
fn apply(@builtin(global_invocation_id) id: vec3<u32>) {
  for (var i = id.x; i < params.invocations; i += params.stride) {
    let c = i % params.channels;
    let s = i / params.channels;
    var m = carriesIn[i];
    for (var f = s * SEGMENT; f < frameEnd(s); f++) {
      let at = f * params.channels + c;
      m = max(m, keyOf(values[at]));
      outBits[at] = bitsOf(m);
    }
  }
}
`;

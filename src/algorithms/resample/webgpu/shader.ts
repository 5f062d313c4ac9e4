// WGSL for the polyphase FIR: one invocation per output, the dot product of one phase's taps
// with a window of the samples, both float32 — jsPolyphaseKernel's loop, output k at
// upsampled time t = phase + k·down from the piece's first sample (window start ⌊t/up⌋, taps
// of phase t mod up). The caller keeps t within u32.
//
// Sum: Neumaier-compensated float32 (Kahan's compensation with a branch on magnitudes, so a
// large addend after small ones loses nothing either), the compensation added once at the
// end: the summation error is then about one float32 ulp of the result plus n·2⁻⁴⁸·Σ|t·x|,
// against the n·2⁻²⁴·Σ|t·x| a plain float32 loop could reach over long filters (20·max(up,
// down) + 1 taps: hundreds to thousands). What is left is each product's own rounding,
// ≤ 2⁻²⁴·|t·x|, far inside the 1e-5 norm-wise float32 tolerance for a lowpass filter.
//
// NaN rule: WGSL lets an implementation assume finite values, so the samples arrive finite —
// the kernel (kernel.ts) uploads NaN and ±Infinity as 0 and computes the outputs that read
// them on the CPU with the js kernel, as reference.ts's rule asks.

/** Invocations per workgroup: the default maxComputeInvocationsPerWorkgroup is 256. */
export const WORKGROUP = 256;
/** Bytes of the uniform block: perPhase, up, down, phase, count, stride, pad, pad. */
export const PARAMS_BYTES = 32;

export const polyphaseShader = /* wgsl */ `
struct Params {
  perPhase: u32,
  up: u32,
  down: u32,
  phase: u32,
  count: u32,
  stride: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> taps: array<f32>;
@group(0) @binding(2) var<storage, read> samples: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${WORKGROUP})
fn polyphase(@builtin(global_invocation_id) id: vec3<u32>) {
  for (var k = id.x; k < params.count; k += params.stride) {
    let t = params.phase + k * params.down;
    let at = t / params.up;
    let base = (t % params.up) * params.perPhase;
    var sum = 0.0;
    var comp = 0.0;
    for (var b = 0u; b < params.perPhase; b++) {
      let x = taps[base + b] * samples[at + b];
      let s = sum + x;
      if (abs(sum) >= abs(x)) { comp += (sum - s) + x; } else { comp += (x - s) + sum; }
      sum = s;
    }
    out[k] = sum + comp;
  }
}
`;

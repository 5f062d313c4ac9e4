// WGSL of Welch's passes around the batched FFT (gpu/fft/shader.ts), float32:
//   `mean`  — each segment's mean (detrend 'constant'), one workgroup per segment: the samples
//             minus the segment's first sample summed per invocation, then a tree in workgroup
//             memory. Subtracting the first sample keeps an offset signal's sum small (the
//             reference's float64 mean needs no such care; float32 does).
//   `pack`  — (sample − mean) × window, zero padded to nfft, as the FFT's complex input. The
//             means buffer is all zeros when detrend is off (a new buffer is zeroed).
//   `power` — per group of `group` consecutive segments and per one-sided bin, Σ|X_k|² over
//             the group's segments whose mask word is 1 (the finite ones). Groups bound the
//             length of each float32 sum (the CPU adds the groups in float64); a group of 1
//             gives each segment's own spectrum (median averaging).
// Every pass loops grid-stride: a dispatch may hold fewer invocations than elements.

export const WELCH_WORKGROUP = 256;
/** Eight u32 words: 32 bytes (a uniform's size is a multiple of 16). */
export const WELCH_PARAMS_BYTES = 32;

const header = /* wgsl */ `
struct Params { segments: u32, nfft: u32, nperseg: u32, step: u32, total: u32, groups: u32, bins: u32, group: u32 }
const WG: u32 = ${WELCH_WORKGROUP}u;
@group(0) @binding(0) var<uniform> params: Params;
`;

/** Dispatched with min(segments, the workgroup limit) workgroups; `groups` is that count. */
export const meanShader = /* wgsl */ `${header}
@group(0) @binding(1) var<storage, read> samples: array<f32>;
@group(0) @binding(2) var<storage, read_write> means: array<f32>;
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn mean(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  for (var s = wid.x; s < params.segments; s += params.groups) {
    let base = s * params.step;
    let first = samples[base];
    var sum = 0.0;
    for (var i = lid; i < params.nperseg; i += WG) {
      sum += samples[base + i] - first;
    }
    partial[lid] = sum;
    workgroupBarrier();
    for (var width = WG / 2u; width > 0u; width /= 2u) {
      if (lid < width) {
        partial[lid] += partial[lid + width];
      }
      workgroupBarrier();
    }
    if (lid == 0u) {
      means[s] = first + partial[0] / f32(params.nperseg);
    }
    workgroupBarrier();
  }
}
`;

/** total = segments · nfft. */
export const packShader = /* wgsl */ `${header}
@group(0) @binding(1) var<storage, read> samples: array<f32>;
@group(0) @binding(2) var<storage, read> window: array<f32>;
@group(0) @binding(3) var<storage, read> means: array<f32>;
@group(0) @binding(4) var<storage, read_write> packed: array<vec2<f32>>;

@compute @workgroup_size(WG)
fn pack(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var g = gid.x; g < params.total; g += params.groups * WG) {
    let segment = g / params.nfft;
    let i = g % params.nfft;
    var value = 0.0;
    if (i < params.nperseg) {
      value = (samples[segment * params.step + i] - means[segment]) * window[i];
    }
    packed[g] = vec2<f32>(value, 0.0);
  }
}
`;

/** total = ⌈segments / group⌉ · bins. */
export const powerShader = /* wgsl */ `${header}
@group(0) @binding(1) var<storage, read> spectrum: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(WG)
fn power(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var g = gid.x; g < params.total; g += params.groups * WG) {
    let first = (g / params.bins) * params.group;
    let k = g % params.bins;
    let last = min(first + params.group, params.segments);
    var sum = 0.0;
    for (var s = first; s < last; s++) {
      if (mask[s] == 1u) {
        let x = spectrum[s * params.nfft + k];
        sum += x.x * x.x + x.y * x.y;
      }
    }
    sums[g] = sum;
  }
}
`;

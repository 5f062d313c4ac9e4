// WGSL of the STFT's own passes around the batched FFT (gpu/fft/shader.ts): `pack` turns
// frames of real samples into the FFT's complex input (window multiply, zero padding to nfft),
// `bins` keeps the first `bins` of each frame's nfft bins (the one-sided spectrum) in a dense
// output. Both loop grid-stride: a dispatch may hold fewer invocations than elements.

export const STFT_WORKGROUP = 256;
/** Six u32 words, padded to 32 bytes (a uniform's size is a multiple of 16). */
export const STFT_PARAMS_BYTES = 32;

const header = /* wgsl */ `
struct Params { frames: u32, nfft: u32, width: u32, step: u32, total: u32, groups: u32, pad0: u32, pad1: u32 }
const WG: u32 = ${STFT_WORKGROUP}u;
@group(0) @binding(0) var<uniform> params: Params;
`;

/** width = nperseg: sample i of frame f is samples[f·step + i], times window[i], if i < nperseg. */
export const packShader = /* wgsl */ `${header}
@group(0) @binding(1) var<storage, read> samples: array<f32>;
@group(0) @binding(2) var<storage, read> window: array<f32>;
@group(0) @binding(3) var<storage, read_write> packed: array<vec2<f32>>;

@compute @workgroup_size(WG)
fn pack(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var g = gid.x; g < params.total; g += params.groups * WG) {
    let frame = g / params.nfft;
    let i = g % params.nfft;
    var value = 0.0;
    if (i < params.width) {
      value = samples[frame * params.step + i] * window[i];
    }
    packed[g] = vec2<f32>(value, 0.0);
  }
}
`;

/** width = bins kept per frame (nfft/2 + 1). */
export const binsShader = /* wgsl */ `${header}
@group(0) @binding(1) var<storage, read> spectrum: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> kept: array<vec2<f32>>;

@compute @workgroup_size(WG)
fn bins(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var g = gid.x; g < params.total; g += params.groups * WG) {
    let frame = g / params.width;
    let k = g % params.width;
    kept[g] = spectrum[frame * params.nfft + k];
  }
}
`;

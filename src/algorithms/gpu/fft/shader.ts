// WGSL for one radix-2 Stockham stage of many complex FFTs of one power-of-two size at once
// (the STFT's frames). Stockham reorders as it goes: every stage reads one buffer and writes
// the other, and the result comes out in natural order without a bit-reversal pass.
//
// Stage with sub-transform size Ns (1, 2, 4 … N/2), butterfly j < N/2 of a frame, k = j mod Ns:
//   a = x[j], b = x[j + N/2] · W_N^(k · N/(2Ns)),  y[(j div Ns)·2Ns + k] = a + b,  y[… + Ns] = a − b
// (Govindaraju et al., "High performance discrete Fourier transforms on graphics processors",
// 2008). Twiddles W_N^m = e^(−2πim/N) come from a table the CPU computed in float64: WGSL's
// sin/cos are far from float32-exact on SwiftShader (ENVIRONMENT.md: 3.6e-4 vs 1.5e-7).

export const FFT_WORKGROUP = 256;
/** n, ns, stride, total, groups, sign, scale, pad: 8 words. */
export const FFT_PARAMS_BYTES = 32;

export const fftStageShader = /* wgsl */ `
struct Params { n: u32, ns: u32, stride: u32, total: u32, groups: u32, sign: f32, scale: f32, pad: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> twiddles: array<vec2<f32>>;

const WG: u32 = ${FFT_WORKGROUP}u;

@compute @workgroup_size(WG)
fn stage(@builtin(global_invocation_id) gid: vec3<u32>) {
  let half = params.n / 2u;
  // Grid-stride: a dispatch may hold fewer invocations than butterflies.
  for (var g = gid.x; g < params.total; g += params.groups * WG) {
    let base = (g / half) * params.n;
    let j = g % half;
    let k = j % params.ns;
    let t = twiddles[k * params.stride];
    let w = vec2<f32>(t.x, params.sign * t.y);
    let a = src[base + j];
    let c = src[base + j + half];
    let b = vec2<f32>(c.x * w.x - c.y * w.y, c.x * w.y + c.y * w.x);
    let out = base + (j / params.ns) * params.ns * 2u + k;
    dst[out] = (a + b) * params.scale;
    dst[out + params.ns] = (a - b) * params.scale;
  }
}
`;

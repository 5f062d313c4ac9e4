// WGSL for the elementwise passes that turn the radix-2 Stockham stages of gpu/fft into an FFT
// of any length and kind: real samples to complex, a Hermitian half-spectrum to the full one,
// the first ⌊n/2⌋+1 bins or the real parts out, and Bluestein's chirp multiply with zero
// padding, pointwise product with the chirp filter's spectrum, and chirp multiply with
// truncation. Every pass runs over many frames at once, one invocation per output element
// (grid-stride: a dispatch may hold fewer invocations than elements).
//
// Only finite numbers reach these shaders (the kernel refuses or sets aside frames with NaN or
// ±Infinity on the CPU): WGSL may assume there are none.

export const PASS_WORKGROUP = 256;
/** n, m, total, groups, scale, three pad words: 8 words. */
export const PASS_PARAMS_BYTES = 32;

const header = /* wgsl */ `
struct Params { n: u32, m: u32, total: u32, groups: u32, scale: f32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
const WG: u32 = ${PASS_WORKGROUP}u;
fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
`;

function pass(bindings: string, body: string): string {
  return `${header}
${bindings}
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.total; i += params.groups * WG) {
${body}
  }
}
`;
}

/** Real samples → complex with zero imaginary parts (frames of n; total = frames·n). */
export const packRealShader = pass(
  `@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2<f32>>;`,
  `    dst[i] = vec2<f32>(src[i], 0.0);`,
);

/**
 * numpy's irfft input (frames of m = ⌊n/2⌋+1 bins) → the full Hermitian spectrum of n bins:
 * bin k < m as given, with the imaginary parts of bin 0 and (even n) bin n/2 dropped as numpy
 * does; bin k ≥ m is conj(bin n−k). total = frames·n.
 */
export const expandHermitianShader = pass(
  `@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2<f32>>;`,
  `    let f = i / params.n;
    let k = i % params.n;
    var v: vec2<f32>;
    if (k < params.m) {
      v = src[f * params.m + k];
      if (k == 0u || 2u * k == params.n) { v.y = 0.0; }
    } else {
      v = src[f * params.m + params.n - k];
      v.y = -v.y;
    }
    dst[i] = v;`,
);

/** Frames of n complex bins → their first m bins (rfft's layout). total = frames·m. */
export const keepBinsShader = pass(
  `@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2<f32>>;`,
  `    dst[i] = src[(i / params.m) * params.n + i % params.m];`,
);

/** Complex samples → their real parts (irfft's output). total = frames·n. */
export const realPartShader = pass(
  `@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;`,
  `    dst[i] = src[i].x;`,
);

/** Bluestein's first pass: frames of n → frames of m, x_j·chirp_j for j < n, zeros after. */
export const chirpPadShader = pass(
  `@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> chirp: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;`,
  `    let j = i % params.m;
    var v = vec2<f32>(0.0, 0.0);
    if (j < params.n) { v = cmul(src[(i / params.m) * params.n + j], chirp[j]); }
    dst[i] = v;`,
);

/** In place: every frame of m times the filter's spectrum (the convolution). total = frames·m. */
export const multiplyShader = pass(
  `@group(0) @binding(1) var<storage, read_write> data: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> spectrum: array<vec2<f32>>;`,
  `    data[i] = cmul(data[i], spectrum[i % params.m]);`,
);

/** Bluestein's last pass: frames of m → frames of n, y_k·chirp_k·scale. total = frames·n. */
export const chirpUnpadShader = pass(
  `@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> chirp: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;`,
  `    let k = i % params.n;
    dst[i] = cmul(src[(i / params.n) * params.m + k], chirp[k]) * params.scale;`,
);

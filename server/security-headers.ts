// The security headers every response carries, decided once here.
//
// - A strict Content-Security-Policy: scripts only from our origin, no inline script, no eval.
//   'wasm-unsafe-eval' lets WebAssembly compile (wasm kernels, the tfjs wasm backend) without
//   allowing JavaScript eval. Workers come from our origin or from blob: URLs (some libraries
//   start workers from blobs). Styles only from our origin: set styles through the CSSOM
//   (element.style.x = …), which CSP allows, never through style="" markup.
// - COOP same-origin + COEP require-corp make the page cross-origin isolated: workers can share
//   memory (SharedArrayBuffer) and timers are precise. Everything we serve is same-origin, and
//   CORP same-origin says so explicitly for the embedder policy.
// - nosniff, a strict Referrer-Policy, and no framing by other origins.

export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'permissions-policy':
    'camera=(), geolocation=(), microphone=(self), accelerometer=(self), gyroscope=(self)',
};

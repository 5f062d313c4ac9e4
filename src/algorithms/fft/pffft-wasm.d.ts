// Types of the emscripten module that @echogarden/pffft-wasm ships without declarations (only
// what pffft-loader.ts uses). The package exports a factory: options in, instance promise out.
declare module '@echogarden/pffft-wasm/simd' {
  const factory: import('./pffft-types.ts').PffftFactory;
  export default factory;
}

declare module '@echogarden/pffft-wasm' {
  const factory: import('./pffft-types.ts').PffftFactory;
  export default factory;
}

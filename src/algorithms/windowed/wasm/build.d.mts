// Types of build.mjs, for the test that checks the committed bytes are current.
export interface WindowedModules {
  shared: Uint8Array;
  unshared: Uint8Array;
}
export function compileWindowed(text: string): Promise<WindowedModules>;
export function renderGenerated(modules: WindowedModules): string;

// Types of build.mjs, for the tests that check the committed bytes are current.
export interface WatModules {
  shared: Uint8Array;
  unshared: Uint8Array;
}
export interface WatTarget {
  wat: string;
  generated: string;
  name: string;
}
export const TARGETS: WatTarget[];
export function compileWat(text: string, filename: string): Promise<WatModules>;
export function renderGenerated(modules: WatModules, target: WatTarget): string;

// Types of build.mjs, for the test that checks the committed bytes are current.
export const WAT: string;
export const GENERATED: string;
export function compilePolyphaseWat(text: string): Promise<Uint8Array>;
export function renderPolyphaseGenerated(bytes: Uint8Array): string;

export function findChromium(env?: NodeJS.ProcessEnv): string | undefined;
export function requireChromium(env?: NodeJS.ProcessEnv): string;
export const chromiumArgs: string[];

// A child process that answers one line per command line (the native and numpy peers of the
// compute benchmark), so its rounds interleave with the browser's in the same run.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BenchContext } from './types.ts';

export interface LineServer {
  ask(command: string): Promise<string>;
}

export function startLineServer(
  ctx: BenchContext,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): LineServer {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { env });
  ctx.defer(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  lines.on('line', (line) => waiting.shift()?.(line));
  let exited: Error | undefined;
  child.on('exit', (code) => {
    exited = new Error(`${command} exited (${String(code)}): ${stderr.trim()}`);
  });
  return {
    ask(line) {
      if (exited !== undefined) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        waiting.push((answer) => {
          if (answer === 'error') reject(new Error(`${command} refused "${line}"`));
          else resolve(answer);
        });
        child.stdin.write(`${line}\n`);
      });
    },
  };
}

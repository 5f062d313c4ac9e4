// Runs ./pyramid-job.ts in a child process (node --import tsx, like the lake) and collects its
// report: one process per measurement, so peak RSS belongs to that reduction alone.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext } from '../../lib/types.ts';
import type { JobMessage, JobMode } from './pyramid-job.ts';

export interface JobResult {
  ms: number;
  peakRssMB: number;
  startRssMB: number;
  check: number;
}

export function runPyramidJob(
  ctx: BenchContext,
  mode: JobMode,
  samples: number,
  timeoutMs: number,
): Promise<JobResult> {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(
    fileURLToPath(new URL('./pyramid-job.ts', import.meta.url)),
    [mode, String(samples)],
    { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  ctx.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let report: JobMessage | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pyramid job ${mode} ${samples} ran past ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message: JobMessage) => {
      report = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (report?.type === 'done') resolve(report);
      else if (report?.type === 'error') reject(new Error(`pyramid job: ${report.message}`));
      else reject(new Error(`pyramid job exited with ${signal ?? code ?? '?'} and no report`));
    });
  });
}

// The server processes of the lake benchmark, each registered with ctx.defer so that it is
// stopped also when the benchmark fails: a real lake (`node --import tsx server/cli.ts` on a data
// directory, signed in as the admin, through server/test-support/lake-process.ts), and the
// raw-streaming peer of the slice case (./raw-server.ts).
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLakeProcess } from '../../../server/test-support/lake-process.ts';
import type { BenchContext } from '../../lib/types.ts';
import type { RawServerMessage } from './raw-server.ts';

export interface RunningServer {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  pid: number;
  /** Bearer secret of an admin session (null for the raw peer). */
  token: string | null;
  /** Stops the process (also done at the end of the benchmark). */
  stop(): Promise<void>;
}

/** Waits for `child` to exit, sending `signal` now and SIGKILL after `graceMs`. */
function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** A lake process on `dataDir` (no demo data), stopped with SIGTERM (SIGKILL after 10 s). */
export async function startLake(ctx: BenchContext, dataDir: string): Promise<RunningServer> {
  const lake = await startLakeProcess(dataDir);
  const stop = () => stopChild(lake.child, 'SIGTERM', 10_000);
  ctx.defer(stop);
  const pid = lake.child.pid;
  if (pid === undefined) throw new Error('the lake process has no pid');
  return { base: lake.url.replace(/\/$/, ''), pid, token: lake.token, stop };
}

/** ./raw-server.ts in a child process serving the files listed in `listFile` (JSON). */
export async function startRawServer(ctx: BenchContext, listFile: string): Promise<RunningServer> {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./raw-server.ts', import.meta.url)),
    [listFile],
    { execArgv: ['--import', tsxLoader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const stop = async (): Promise<void> => {
    if (child.connected) child.send('stop');
    await stopChild(child, 'SIGTERM', 5000);
  };
  ctx.defer(stop);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('the raw server did not start within 20 s'));
    }, 20_000);
    child.once('message', (message: RawServerMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message.port);
      else reject(new Error(`the raw server failed to start: ${message.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the raw server exited early (${signal ?? code ?? 'unknown'})`));
    });
    child.once('error', reject);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the raw server has no pid');
  return { base: `http://127.0.0.1:${port}`, pid, token: null, stop };
}

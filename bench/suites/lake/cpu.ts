// CPU time of a server process, from /proc/<pid>/stat (Linux), for the slice case's diagnostics:
// which of the server and the client saturates its core tells what limits a figure.
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux port). */
const TICKS_PER_S = 100;

/** utime + stime in ticks, from the text of /proc/<pid>/stat; undefined if it is not one. */
export function cpuTicks(stat: string): number | undefined {
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // After the name, field 3 (state) is fields[0]: utime (14) and stime (15) are fields[11], [12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** CPU milliseconds `pid` has used so far, or undefined without /proc. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  try {
    const ticks = cpuTicks(await readFile(`/proc/${pid}/stat`, 'utf8'));
    return ticks === undefined ? undefined : (ticks * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export interface Metered<T> {
  value: T;
  ms: number;
  /** CPU time / wall time of the process `pid` (undefined without /proc). */
  server: number | undefined;
  /** CPU time / wall time of this process (the client, or an in-process peer). */
  client: number;
}

/** Runs `work`, timing it and metering the CPU of `pid` and of this process meanwhile. */
export async function metered<T>(pid: number, work: () => Promise<T>): Promise<Metered<T>> {
  const serverStart = await processCpuMs(pid);
  const clientStart = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const ms = performance.now() - start;
  const client = process.cpuUsage(clientStart);
  const serverEnd = await processCpuMs(pid);
  return {
    value,
    ms,
    server:
      serverStart === undefined || serverEnd === undefined
        ? undefined
        : (serverEnd - serverStart) / ms,
    client: (client.user + client.system) / 1000 / ms,
  };
}

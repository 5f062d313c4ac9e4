// The processes of this Linux machine as /proc shows them, for benchmarks that account for
// Chromium's and the lake's processes (CPU time, resident memory). Node side only.
import { readdir, readFile } from 'node:fs/promises';

export interface Proc {
  pid: number;
  ppid: number;
  /** CPU time used so far, in clock ticks (utime + stime). */
  ticks: number;
  cmdline: string;
}

export async function listProcs(): Promise<Proc[]> {
  const procs: Proc[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      procs.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        // utime (field 14) and stime (15): fields[11] and [12] after the name.
        ticks: Number(fields[11]) + Number(fields[12]),
        cmdline,
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return procs;
}

// CPU time of the processes a sync case keeps busy, from /proc (Linux only; nothing elsewhere),
// grouped as the diagnostics need them: the lake, and Chromium split by process type (browser —
// where IndexedDB's backing store runs —, renderer — the page's JavaScript, hashing included —,
// network service, GPU), and this runner; plus the whole machine, so that what other jobs on a
// shared VM took shows. Node side only.
import { readFile } from 'node:fs/promises';
import { listProcs, type Proc } from '../../lib/procs.ts';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux port). */
const TICKS_PER_S = 100;

export type CpuGroup = 'lake' | 'browser' | 'renderer' | 'network' | 'gpu' | 'other' | 'runner';

const groups: readonly CpuGroup[] = [
  'lake',
  'browser',
  'renderer',
  'network',
  'gpu',
  'other',
  'runner',
];

export type CpuSnapshot = Map<CpuGroup, number>;

/**
 * CPU ticks used so far by the lake process `lakePid` (and its children), by the Chromium started
 * on `profileDir` (by process type), and by this process.
 */
export async function cpuSnapshot(lakePid: number, profileDir: string): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = new Map();
  let procs: Proc[];
  try {
    procs = await listProcs();
  } catch {
    return snapshot;
  }
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const browser = procs.find(
    (p) => p.cmdline.includes(`--user-data-dir=${profileDir}`) && !p.cmdline.includes('--type='),
  );
  const under = (p: Proc, root: number | undefined): boolean => {
    if (root === undefined) return false;
    for (let at: Proc | undefined = p, hops = 0; at !== undefined && hops < 12; hops++) {
      if (at.pid === root) return true;
      at = byPid.get(at.ppid);
    }
    return false;
  };
  const add = (group: CpuGroup, ticks: number) =>
    snapshot.set(group, (snapshot.get(group) ?? 0) + ticks);
  for (const p of procs) {
    if (p.pid === process.pid) add('runner', p.ticks);
    else if (under(p, lakePid)) add('lake', p.ticks);
    else if (under(p, browser?.pid)) {
      const type = /--type=(\S+)/.exec(p.cmdline)?.[1];
      const utility = /--utility-sub-type=(\S+)/.exec(p.cmdline)?.[1] ?? '';
      if (type === undefined) add('browser', p.ticks);
      else if (type === 'renderer') add('renderer', p.ticks);
      else if (type === 'gpu-process') add('gpu', p.ticks);
      else if (type === 'utility' && utility.includes('network')) add('network', p.ticks);
      else add('other', p.ticks);
    }
  }
  return snapshot;
}

/** Busy ticks of the whole machine (all cores) from /proc/stat, or undefined. */
async function machineTicks(): Promise<number | undefined> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (a, b) => a + (b ?? 0),
      0,
    );
    return Number.isFinite(busy) ? busy : undefined;
  } catch {
    return undefined;
  }
}

export interface CpuReport {
  ms: number;
  /** Cores each group kept busy on average over the wall time (CPU seconds / wall seconds). */
  cores: Partial<Record<CpuGroup, number>>;
  /** Cores the whole machine kept busy, or undefined without /proc/stat. */
  machine: number | undefined;
}

/** Runs `work` and reports the CPU each group used meanwhile, in cores. */
export async function meterCpu<T>(
  lakePid: number,
  profileDir: string,
  work: () => Promise<T>,
): Promise<{ value: T; cpu: CpuReport }> {
  const before = await cpuSnapshot(lakePid, profileDir);
  const machineBefore = await machineTicks();
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  const machineAfter = await machineTicks();
  const after = await cpuSnapshot(lakePid, profileDir);
  const perCore = (ticks: number) => ticks / TICKS_PER_S / (ms / 1000);
  const cores: Partial<Record<CpuGroup, number>> = {};
  for (const [group, ticks] of after) cores[group] = perCore(ticks - (before.get(group) ?? 0));
  return {
    value,
    cpu: {
      ms,
      cores,
      machine:
        machineBefore === undefined || machineAfter === undefined
          ? undefined
          : perCore(machineAfter - machineBefore),
    },
  };
}

/** `CPU cores: lake 0.82 · browser 0.31 · … (machine 1.90, of which others 0.10)`. */
export function formatCpu(cpu: CpuReport): string {
  // The lake always: near 0 while a pass runs says its requests did not reach the lake.
  const parts = groups
    .filter((group) => group === 'lake' || (cpu.cores[group] ?? 0) >= 0.005)
    .map((group) => `${group} ${(cpu.cores[group] ?? 0).toFixed(2)}`);
  const ours = groups.reduce((sum, group) => sum + (cpu.cores[group] ?? 0), 0);
  // What the rest of the machine (other jobs on a shared VM, the kernel) kept busy meanwhile.
  const machine =
    cpu.machine === undefined
      ? ''
      : ` (machine ${cpu.machine.toFixed(2)}, of which others ${Math.max(0, cpu.machine - ours).toFixed(2)})`;
  return `CPU cores: ${parts.join(' · ')}${machine}`;
}

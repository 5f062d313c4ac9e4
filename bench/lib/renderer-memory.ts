// Peak resident memory of Chromium's renderer processes (the page and its workers, where the
// compute runs), sampled from /proc every 50 ms. Linux only; `usedJSHeapSize` would not count
// ArrayBuffers (ENVIRONMENT.md), which are all the memory a streaming job holds.
import { readdir, readFile } from 'node:fs/promises';

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

async function listProcs(): Promise<Proc[]> {
  const procs: Proc[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      procs.push({ pid: Number(entry), ppid: Number(fields[1]), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return procs;
}

/** The largest RSS among the renderers descended from the browser started on `profileDir`. */
async function rendererRssBytes(profileDir: string): Promise<number> {
  const procs = await listProcs();
  const browser = procs.find(
    (proc) =>
      proc.cmdline.includes(`--user-data-dir=${profileDir}`) && !proc.cmdline.includes('--type='),
  );
  if (browser === undefined) return 0;
  const family = new Set([browser.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const proc of procs) {
      if (!family.has(proc.pid) && family.has(proc.ppid)) {
        family.add(proc.pid);
        grew = true;
      }
    }
  }
  let largest = 0;
  for (const proc of procs) {
    if (!family.has(proc.pid) || !proc.cmdline.includes('--type=renderer')) continue;
    try {
      const status = await readFile(`/proc/${String(proc.pid)}/status`, 'utf8');
      largest = Math.max(largest, Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // Gone.
    }
  }
  return largest;
}

export interface MemoryWatch {
  /** Stops sampling; the largest renderer RSS seen, in bytes. */
  stop(): Promise<number>;
}

/** Samples the renderers of the Chromium whose profile (user data dir) is `profileDir`. */
export function watchRendererMemory(profileDir: string): MemoryWatch {
  let peak = 0;
  const sampling = { on: true };
  const loop = (async () => {
    while (sampling.on) {
      peak = Math.max(peak, await rendererRssBytes(profileDir));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      sampling.on = false;
      await loop;
      return peak;
    },
  };
}

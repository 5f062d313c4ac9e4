// Resident memory of Chromium's renderer processes, read from /proc (Linux only): the memory
// figure that also counts garbage the page has not collected yet. Node side only.
import { readFile } from 'node:fs/promises';
import { listProcs, type Proc } from '../../lib/procs.ts';

/**
 * The renderer processes of the Chromium whose browser process was started with
 * `--user-data-dir=profileDir` (empty when there is no /proc or no such browser).
 */
export async function rendererPids(profileDir: string): Promise<number[]> {
  let procs: Proc[];
  try {
    procs = await listProcs();
  } catch {
    return [];
  }
  const browser = procs.find(
    (p) => p.cmdline.includes(`--user-data-dir=${profileDir}`) && !p.cmdline.includes('--type='),
  );
  if (browser === undefined) return [];
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const descends = (p: Proc): boolean => {
    for (let at = byPid.get(p.ppid), hops = 0; at !== undefined && hops < 10; hops++) {
      if (at.pid === browser.pid) return true;
      at = byPid.get(at.ppid);
    }
    return false;
  };
  return procs
    .filter((p) => p.cmdline.includes('--type=renderer') && descends(p))
    .map((p) => p.pid);
}

async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** The largest RSS among `pids` right now. */
export async function maxRss(pids: readonly number[]): Promise<number> {
  const values = await Promise.all(pids.map(rssBytes));
  return Math.max(0, ...values);
}

export interface RssSampler {
  /** Stops sampling; resolves to the peak RSS seen (bytes) and how many samples were taken. */
  stop(): Promise<{ peakBytes: number; samples: number }>;
}

/** Samples the largest renderer RSS every `intervalMs` until stopped. */
export function sampleRss(pids: readonly number[], intervalMs: number): RssSampler {
  let peakBytes = 0;
  let samples = 0;
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      peakBytes = Math.max(peakBytes, await maxRss(pids));
      samples++;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      state.running = false;
      await loop;
      peakBytes = Math.max(peakBytes, await maxRss(pids));
      return { peakBytes, samples };
    },
  };
}

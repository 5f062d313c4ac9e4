// One seeded fault scenario: two technicians' devices prepare shared documents online, then
// work offline (notes created and some deleted, the same annotation and dashboard edited on
// both, a signal recorded on each with a 2 MiB chunk and a superseded tail), then sync through
// the fault proxy until they converge. Then the checker counts, on the lake and on both
// devices, every record lost and every record duplicated, verifies every chunk's hash on the
// lake, and reads each device's signal back on the other device sample for sample.
import { type SimDevice, localDocs, openSimDevice } from './sim-device.ts';
import { addUser, lakeChunkIntact, lakeDocs, type LakeAddress, putDoc } from './lake-admin.ts';

export interface ScenarioEnv {
  /** The lake itself (setup and checks); its url changes when it restarts. */
  lake: LakeAddress;
  /** Where devices reach the lake: the fault proxy. */
  proxyUrl: string;
  /** Distinguishes runs on one lake (ids and user names). */
  runId: string;
  /** kill -9 and start the lake again (the proxy follows it). */
  restartLake?: () => Promise<void>;
  /** Resolves when the lake is up (setup and checks go to it directly). */
  ready?: () => Promise<void>;
}

export interface ScenarioOutcome {
  seed: number;
  converged: boolean;
  /** Sync cycles tried until convergence, over both devices. */
  cycles: number;
  /** Records the lake or a device should hold and does not. */
  lost: number;
  /** Records held more than once, or held after their deletion. */
  duplicated: number;
  chunksChecked: number;
  badChunks: number;
  restarts: number;
  problems: string[];
}

/** An outcome with nothing counted yet (`problems` may say why nothing was). */
export function emptyOutcome(seed: number, problems: string[] = []): ScenarioOutcome {
  return {
    seed,
    converged: false,
    cycles: 0,
    lost: 0,
    duplicated: 0,
    chunksChecked: 0,
    badChunks: 0,
    restarts: 0,
    problems,
  };
}

/** mulberry32: small, seedable, good enough to pick test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHUNK_LENGTH = 2 ** 19; // float32: 2 MiB chunks ("at least one chunk over 1 MiB")
const MAX_CYCLES = 400;
/** A lake restart takes 2–6 s here; a scenario must converge well within a minute. */
const CONVERGE_MS = 60_000;

interface Offline {
  notesKept: string[];
  notesDeleted: string[];
  annotationText: string;
  dashboardTitle: string;
  signalId: string;
  samples: Float32Array;
}

export async function runScenario(
  seed: number,
  env: ScenarioEnv,
  options: { restartAfterCycle?: number } = {},
): Promise<ScenarioOutcome> {
  const random = seededRandom(seed);
  const prefix = `${env.runId}-s${String(seed)}`;
  const site = `site/${prefix}`;
  const asset = `${prefix}/asset`;
  await env.ready?.();
  await putDoc(env.lake, site, { type: 'site', name: `Site ${String(seed)}` });
  await putDoc(env.lake, asset, { type: 'asset', site, name: 'Pump 1' });
  const tokens = await Promise.all(
    ['a', 'b'].map((who) => addUser(env.lake, `${prefix}-${who}`, 'technician', [site])),
  );
  const devices = await Promise.all(
    tokens.map((token, index) =>
      openSimDevice({ name: `${prefix}-${index === 0 ? 'a' : 'b'}`, url: env.proxyUrl, token }),
    ),
  );
  const outcome = emptyOutcome(seed);
  try {
    const [a, b] = devices as [SimDevice, SimDevice];
    const shared = {
      dataset: `${prefix}/ds`,
      annotation: `${prefix}/ann`,
      dashboard: `${prefix}/dash`,
    };
    await a.local.put(shared.dataset, { type: 'dataset', assetId: asset, name: 'Shared' });
    await a.local.put(shared.annotation, {
      type: 'annotation',
      datasetId: shared.dataset,
      text: 'initial',
    });
    await a.local.put(shared.dashboard, { type: 'dashboard', site, title: 'initial' });
    if (!(await converge(devices, env, outcome, options))) return outcome;

    const offline: Offline[] = [];
    for (const device of devices) {
      offline.push(await workOffline(device, random, { prefix, site, asset, ...shared }));
    }
    outcome.converged = false;
    if (!(await converge(devices, env, outcome, options))) return outcome;
    await fetchEachOthersSignals(a, b, offline, outcome);
    await env.ready?.();
    await check(env, tokens[0] ?? '', devices, offline, shared, outcome);
    return outcome;
  } finally {
    await Promise.all(devices.map((device) => device.close()));
  }
}

async function workOffline(
  device: SimDevice,
  random: () => number,
  ids: { prefix: string; site: string; asset: string; annotation: string; dashboard: string },
): Promise<Offline> {
  const who = device.name.slice(-1);
  const notes: string[] = [];
  const count = 4 + Math.floor(random() * 10);
  for (let i = 0; i < count; i++) {
    const id = `${ids.prefix}/${who}/note/${String(i)}`;
    await device.local.put(id, {
      type: 'note',
      site: ids.site,
      rec: id,
      text: `note ${String(i)}`,
    });
    // Some notes are edited again before any sync: still one record.
    if (random() < 0.3)
      await device.local.put(id, {
        type: 'note',
        site: ids.site,
        rec: id,
        text: `edited ${String(i)}`,
      });
    notes.push(id);
  }
  const deleted = notes.filter(() => random() < 0.25);
  for (const id of deleted) await device.local.remove(id);
  const annotationText = `${who} says ${String(Math.floor(random() * 1e6))}`;
  const annotation = await device.local.get(ids.annotation);
  await device.local.put(ids.annotation, { ...annotation, text: annotationText });
  const dashboardTitle = `${who}'s view ${String(Math.floor(random() * 1e6))}`;
  const dashboard = await device.local.get(ids.dashboard);
  await device.local.put(ids.dashboard, { ...dashboard, title: dashboardTitle });

  const dataset = `${ids.prefix}/${who}/ds`;
  await device.local.put(dataset, {
    type: 'dataset',
    assetId: ids.asset,
    name: `Recording ${who}`,
  });
  const signalId = `${dataset}/vibration`;
  await device.signals.create(signalId, {
    datasetId: dataset,
    name: 'vibration',
    dtype: 'float32',
    chunkLength: CHUNK_LENGTH,
    sampleRate: 1000,
    t0: '2026-11-22T08:00:00Z',
  });
  const first = CHUNK_LENGTH + 1 + Math.floor(random() * 2 ** 16);
  const second = 1 + Math.floor(random() * 2 ** 15);
  const samples = new Float32Array(first + second);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i / 17) * 10 + random();
  // Two appends: the second writes a new version of the tail chunk and supersedes the first.
  await device.signals.append(signalId, samples.subarray(0, first), { unsynced: true });
  await device.signals.append(signalId, samples.subarray(first), { unsynced: true });
  return {
    notesKept: notes.filter((id) => !deleted.includes(id)),
    notesDeleted: deleted,
    annotationText,
    dashboardTitle,
    signalId,
    samples,
  };
}

/**
 * Syncs both devices, cycle after cycle, until a round where neither moves anything and
 * nothing is pending. Failed cycles (faults) are simply retried, as the scheduler would.
 */
async function converge(
  devices: readonly SimDevice[],
  env: ScenarioEnv,
  outcome: ScenarioOutcome,
  options: { restartAfterCycle?: number },
): Promise<boolean> {
  let failures = 0;
  const deadline = performance.now() + CONVERGE_MS;
  while (outcome.cycles < MAX_CYCLES && performance.now() < deadline) {
    let quiet = true;
    for (const device of devices) {
      outcome.cycles++;
      if (outcome.cycles === options.restartAfterCycle && env.restartLake !== undefined) {
        await env.restartLake();
        outcome.restarts++;
      }
      try {
        const result = await device.engine.sync();
        failures = 0;
        const moved = result.pulled + result.pushed + result.conflicts;
        if (result.pending > 0 || moved > 0) quiet = false;
      } catch {
        quiet = false;
        // What the scheduler does, faster: back off while the lake restarts.
        failures++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(400, 20 * failures)));
      }
    }
    if (quiet) {
      outcome.converged = true;
      return true;
    }
  }
  const last = devices.map((device) => {
    const events = device.engine.report.events().filter((e) => e.kind !== 'cycle-start');
    return `${device.name}: ${events
      .slice(-4)
      .map((e) => `${e.kind} ${e.id ?? ''} ${e.detail ?? ''}`)
      .join(' | ')}`;
  });
  outcome.problems.push(`did not converge in ${String(outcome.cycles)} cycles; ${last.join('; ')}`);
  return false;
}

/** Each device downloads the other's recorded chunks (through faults) and reads them back. */
async function fetchEachOthersSignals(
  a: SimDevice,
  b: SimDevice,
  offline: readonly Offline[],
  outcome: ScenarioOutcome,
): Promise<void> {
  const pairs: [SimDevice, Offline | undefined][] = [
    [b, offline[0]],
    [a, offline[1]],
  ];
  for (const [reader, recorded] of pairs) {
    if (recorded === undefined) continue;
    const page = await reader.local.get(`${recorded.signalId}/manifest/0`);
    const hashes = (page.entries as { sha256: string }[]).map((entry) => entry.sha256);
    let fetched = false;
    for (let attempt = 0; attempt < 30 && !fetched; attempt++) {
      try {
        await reader.engine.fetchChunks(hashes, { signalId: recorded.signalId, level: 0 });
        fetched = true;
      } catch {
        // A fault: try again; what was stored stays.
      }
    }
    if (!fetched) {
      outcome.problems.push(`${reader.name} could not download ${recorded.signalId}`);
      outcome.lost += recorded.samples.length;
      continue;
    }
    const read = await reader.signals.read(recorded.signalId, 0, recorded.samples.length);
    const same =
      read.length === recorded.samples.length &&
      Buffer.compare(
        Buffer.from(read.buffer, read.byteOffset, read.byteLength),
        Buffer.from(
          recorded.samples.buffer,
          recorded.samples.byteOffset,
          recorded.samples.byteLength,
        ),
      ) === 0;
    if (!same) {
      outcome.problems.push(`${reader.name} reads ${recorded.signalId} differently`);
      outcome.lost += recorded.samples.length;
    }
  }
}

function canonical(docs: Map<string, Record<string, unknown>>): string {
  return JSON.stringify(
    [...docs].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
    (_key, value: unknown) =>
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1)))
        : value,
  );
}

async function check(
  env: ScenarioEnv,
  token: string,
  devices: readonly SimDevice[],
  offline: readonly Offline[],
  shared: { annotation: string; dashboard: string },
  outcome: ScenarioOutcome,
): Promise<void> {
  const lake = await lakeDocs(env.lake, token);
  const sides: [string, Map<string, Record<string, unknown>>][] = [['lake', lake]];
  for (const device of devices) sides.push([device.name, await localDocs(device)]);
  const reference = canonical(lake);
  for (const [name, docs] of sides.slice(1)) {
    if (canonical(docs) !== reference) {
      outcome.problems.push(`${name} differs from the lake after convergence`);
      outcome.converged = false;
    }
  }
  for (const [name, docs] of sides) {
    const notes = new Map<string, number>();
    for (const doc of docs.values()) {
      if (doc.type === 'note' && typeof doc.rec === 'string')
        notes.set(doc.rec, (notes.get(doc.rec) ?? 0) + 1);
    }
    for (const work of offline) {
      for (const rec of work.notesKept) {
        const seen = notes.get(rec) ?? 0;
        if (seen === 0) outcome.lost++;
        if (seen > 1) outcome.duplicated += seen - 1;
        if (seen !== 1) outcome.problems.push(`${name}: note ${rec} held ${String(seen)} times`);
      }
      for (const rec of work.notesDeleted) {
        const seen = notes.get(rec) ?? 0;
        outcome.duplicated += seen;
        if (seen > 0) outcome.problems.push(`${name}: deleted note ${rec} came back`);
      }
    }
    // Both edits of the annotation are visible, each once (keep-both).
    const texts = [...docs]
      .filter(([id, doc]) => id === shared.annotation || doc.conflictOf === shared.annotation)
      .map(([, doc]) => doc.text);
    for (const work of offline) {
      const seen = texts.filter((text) => text === work.annotationText).length;
      if (seen === 0) outcome.lost++;
      outcome.duplicated += Math.max(0, seen - 1);
      if (seen !== 1) outcome.problems.push(`${name}: annotation edit held ${String(seen)} times`);
    }
    // One dashboard edit wins, the other is kept once as history (last-write-wins).
    const winner = docs.get(shared.dashboard)?.title;
    const history = [...docs.values()]
      .filter((doc) => doc.type === 'history' && doc.of === shared.dashboard)
      .map((doc) => (doc.content as { title?: unknown } | undefined)?.title);
    for (const work of offline) {
      const seen =
        (winner === work.dashboardTitle ? 1 : 0) +
        history.filter((t) => t === work.dashboardTitle).length;
      if (seen === 0) outcome.lost++;
      outcome.duplicated += Math.max(0, seen - 1);
      if (seen !== 1) outcome.problems.push(`${name}: dashboard edit held ${String(seen)} times`);
    }
    for (const work of offline) {
      const length = docs.get(work.signalId)?.length;
      if (length !== work.samples.length) {
        outcome.lost++;
        outcome.problems.push(
          `${name}: ${work.signalId} has length ${String(length)}, not ${String(work.samples.length)}`,
        );
      }
    }
  }
  for (const work of offline) {
    const page = lake.get(`${work.signalId}/manifest/0`);
    for (const entry of (page?.entries ?? []) as { sha256: string }[]) {
      outcome.chunksChecked++;
      if (!(await lakeChunkIntact(env.lake, entry.sha256))) {
        outcome.badChunks++;
        outcome.problems.push(
          `chunk ${entry.sha256} of ${work.signalId} is missing or damaged on the lake`,
        );
      }
    }
  }
}

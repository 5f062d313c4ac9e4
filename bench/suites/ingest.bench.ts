// ingest: the lake's ingestion paths end to end, each against a peer that does the same bytes'
// work without the lake, rounds interleaved, medians; ratio > 1 = the lake ahead.
//
// - json / ndjson / msgpack: fluent-bit `http` bodies of 1000 records × 8 float fields posted one
//   at a time (one collector) to POST /api/ingest/:policy of a lake process, timed until
//   GET /api/ingest/:policy reports every request placed into the policy's 8 signals; peer:
//   the same bodies decoded in this process and appended to a file, fsync per batch
//   (./ingest/records.ts).
// - upload-csv / upload-wav: a generated file (1 GB; 32 MB with --quick) streamed by curl into
//   POST /api/uploads; peer: the same file copied with fs streams and fsynced; and the lake
//   process's peak RSS during each upload (./ingest/uploads.ts).
// - pyramid-1e8 / -1e9: the pyramid builder over float32 pieces of 2^18 samples in a child
//   process per measurement (time and peak RSS); peer: a single-pass min/max/sum loop
//   (./ingest/pyramid-job.ts).
//
// CPU time of the lake process and of this one is logged per case (../lake/cpu.ts). Data lives
// under os.tmpdir() (the real disk, fsync included), removed at the end.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interleave, median, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { metered } from './lake/cpu.ts';
import { curlVersion } from './lake/curl.ts';
import { keepAliveAgent } from './lake/http-client.ts';
import { startLake } from './lake/processes.ts';
import type { RunningServer } from './lake/processes.ts';
import { runPyramidJob } from './ingest/pyramid.ts';
import type { JobResult } from './ingest/pyramid.ts';
import {
  batchBody,
  call,
  createPolicy,
  FIELDS,
  FsyncSink,
  postBatch,
  waitPlaced,
} from './ingest/records.ts';
import type { RecordFormat } from './ingest/records.ts';
import {
  copyDurable,
  CSV_COLUMNS,
  curlUpload,
  peakRssDuring,
  WAV_CHANNELS,
  WAV_RATE,
  writeCsv,
  writeWav,
} from './ingest/uploads.ts';
import type { UploadFormat } from './ingest/uploads.ts';

const MB = 1e6;
const LAKE_BACKEND = 'fieldlake-lake/fastify-5+sqlite+fs';
const BATCH_RECORDS = 1000;
/** 10^9 samples are reduced only when 10^8 say it takes less than this. */
const BIG_PYRAMID_LIMIT_MS = 180_000;

interface Sizes {
  /** Batches a timed round posts (and the warm-up before the rounds). */
  batches: number;
  warmBatches: number;
  recordRounds: number;
  uploadBytes: number;
  uploadRounds: number;
  pyramidRounds: number;
  bigPyramid: boolean;
}

const fullSizes: Sizes = {
  batches: 100,
  warmBatches: 2,
  recordRounds: 3,
  uploadBytes: 1000 * MB,
  uploadRounds: 3,
  pyramidRounds: 3,
  bigPyramid: true,
};

const quickSizes: Sizes = {
  batches: 3,
  warmBatches: 1,
  recordRounds: 2,
  uploadBytes: 32 * MB,
  uploadRounds: 2,
  pyramidRounds: 1,
  bigPyramid: false,
};

function percent(fractions: readonly number[]): string {
  return fractions.length === 0 ? '?' : `${(median(fractions) * 100).toFixed(0)} %`;
}

function spread(samples: readonly number[]): string {
  const digits = Math.max(...samples) < 10 ? 2 : 0;
  return `${Math.min(...samples).toFixed(digits)}–${Math.max(...samples).toFixed(digits)}`;
}

/** CPU time / wall time of the lake and of this process, per timed run (diagnostics). */
interface CpuLog {
  server: number[];
  client: number[];
}

function cpuLog(): CpuLog {
  return { server: [], client: [] };
}

async function timedRate(
  amount: number,
  pid: number,
  log: CpuLog,
  work: () => Promise<unknown>,
): Promise<number> {
  const run = await metered(pid, work);
  if (run.server !== undefined) log.server.push(run.server);
  log.client.push(run.client);
  return amount / (run.ms / 1000);
}

const RECORD_ANCHOR = 'Fluentd ~5 000 msgs/s per process, Fluent Bit ~0.74 M lines/s (published)';

async function recordCase(
  ctx: BenchContext,
  sizes: Sizes,
  lake: RunningServer,
  format: RecordFormat,
  peerDir: string,
): Promise<BenchResult> {
  const agent = keepAliveAgent(2);
  ctx.defer(() => {
    agent.destroy();
  });
  const policy = await createPolicy(agent, lake.base, lake.token ?? '', format);
  const sink = await FsyncSink.open(path.join(peerDir, `${format}.log`));
  ctx.defer(() => sink.close());

  // Batches are numbered across rounds, so every body appends to the signals (and is new to
  // the lake's exactly-once log). Both sides of a round take the same bodies.
  let nextBatch = 0;
  let posted = 0;
  const cache = new Map<number, Buffer[]>();
  const bodiesFor = (round: number, count: number): Buffer[] => {
    let bodies = cache.get(round);
    if (bodies === undefined) {
      cache.clear();
      bodies = Array.from({ length: count }, () => batchBody(format, nextBatch++, BATCH_RECORDS));
      cache.set(round, bodies);
    }
    return bodies;
  };
  const acceptMs: number[] = [];
  const ours = async (bodies: readonly Buffer[]): Promise<void> => {
    const start = performance.now();
    for (const body of bodies) {
      await postBatch(agent, lake.base, policy, format, body, BATCH_RECORDS);
      posted++;
    }
    acceptMs.push(performance.now() - start);
    await waitPlaced(agent, lake.base, policy, posted, 10, 300_000);
  };
  const peer = async (bodies: readonly Buffer[]): Promise<void> => {
    for (const body of bodies) await sink.append(format, body, BATCH_RECORDS);
  };

  // Warm-up, not counted: JIT, the signals' creation, the sockets.
  const warm = bodiesFor(-1, sizes.warmBatches);
  await ours(warm);
  await peer(warm);
  acceptMs.length = 0;

  const records = sizes.batches * BATCH_RECORDS;
  const cpu = { ours: cpuLog(), peer: cpuLog() };
  const samples = await interleave(
    sizes.recordRounds,
    (round) => timedRate(records, lake.pid, cpu.ours, () => ours(bodiesFor(round, sizes.batches))),
    (round) => timedRate(records, lake.pid, cpu.peer, () => peer(bodiesFor(round, sizes.batches))),
  );
  const bodyBytes = (cache.values().next().value ?? []).reduce((sum, b) => sum + b.length, 0);
  const result = resultFrom(
    {
      case: `ingest/${format}`,
      metric: 'records_per_s',
      unit: 'records/s',
      direction: 'higher',
      backend: LAKE_BACKEND,
      anchor: RECORD_ANCHOR,
    },
    samples.ours,
    { name: `in-process-decode+append+fsync-per-batch/${format}`, samples: samples.peer },
  );
  result.target = result.peerValue === null ? null : Math.round(result.peerValue * 0.5);
  const acceptRate = (records * 1000) / median(acceptMs);
  ctx.log(
    `${format}: ${sizes.batches} batches × ${BATCH_RECORDS} records × ${FIELDS} fields (${(bodyBytes / sizes.batches / 1000).toFixed(0)} kB a body): lake ${result.value.toFixed(0)} records/s placed (rounds ${spread(samples.ours)}; accepted with 202 at ${acceptRate.toFixed(0)} records/s), peer ${(result.peerValue ?? 0).toFixed(0)} records/s (${spread(samples.peer)})`,
  );
  ctx.log(
    `${format}: CPU of a core (diagnostic): lake ${percent(cpu.ours.server)} and this process ${percent(cpu.ours.client)} during ours; this process (peer) ${percent(cpu.peer.client)}`,
  );
  return result;
}

async function uploadCase(
  ctx: BenchContext,
  sizes: Sizes,
  lake: RunningServer,
  format: UploadFormat,
  root: string,
): Promise<BenchResult[]> {
  const file = path.join(root, `upload.${format}`);
  const genStart = performance.now();
  const rows =
    format === 'wav'
      ? await writeWav(file, sizes.uploadBytes)
      : await writeCsv(file, sizes.uploadBytes);
  const { size } = await stat(file);
  ctx.log(
    `upload-${format}: ${(size / MB).toFixed(0)} MB, ${rows} rows generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s (not timed)`,
  );
  const agent = keepAliveAgent(1);
  ctx.defer(() => {
    agent.destroy();
  });
  const datasetId = `dataset/bench-upload-${format}`;
  const created = await call(
    agent,
    lake.base,
    'POST',
    '/api/bulk',
    { authorization: `Bearer ${lake.token ?? ''}`, 'content-type': 'application/json' },
    JSON.stringify({
      items: [
        { id: 'site/bench-upload', doc: { type: 'site', name: 'Bench uploads' } },
        { id: datasetId, doc: { type: 'dataset', site: 'site/bench-upload', title: format } },
      ],
    }),
  );
  if (created.status !== 200) throw new Error(`POST /api/bulk: ${created.status} ${created.body}`);
  const query = (round: number) =>
    `dataset=${encodeURIComponent(datasetId)}&format=${format}&prefix=r${round}-` +
    (format === 'wav' ? '&t0=2026-01-01T00:00:00Z' : '');
  const cpu = { ours: cpuLog(), peer: cpuLog() };
  const sizeMB = size / MB;
  const rss = { peakMB: [] as number[], beforeMB: [] as number[] };
  const samples = await interleave(
    sizes.uploadRounds,
    async (round) => {
      const measured = await peakRssDuring(lake.pid, () =>
        metered(lake.pid, () =>
          curlUpload(`${lake.base}/api/uploads?${query(round)}`, file, {
            authorization: `Bearer ${lake.token ?? ''}`,
            'content-type': format === 'wav' ? 'audio/wav' : 'text/csv',
          }),
        ),
      );
      if (measured.peakBytes !== undefined && measured.beforeBytes !== undefined) {
        rss.peakMB.push(measured.peakBytes / MB);
        rss.beforeMB.push(measured.beforeBytes / MB);
      }
      const run = measured.value;
      const answer = run.value;
      if (answer.status !== 201) {
        throw new Error(`upload-${format}: ${answer.status} ${answer.body.slice(0, 300)}`);
      }
      const took = (JSON.parse(answer.body) as { rows?: number }).rows;
      if (took !== rows) throw new Error(`upload-${format}: the lake took ${took} rows of ${rows}`);
      if (run.server !== undefined) cpu.ours.server.push(run.server);
      cpu.ours.client.push(run.client);
      return sizeMB / (answer.ms / 1000);
    },
    (round) =>
      timedRate(sizeMB, lake.pid, cpu.peer, async () => {
        const copy = path.join(root, `copy-${round}.${format}`);
        const copied = await copyDurable(file, copy);
        if (copied !== size) throw new Error(`copied ${copied} bytes of ${size}`);
        await rm(copy);
      }),
  );
  await rm(file);
  const layout =
    format === 'wav'
      ? `16-bit PCM, ${WAV_CHANNELS} channels, ${WAV_RATE / 1000} kHz`
      : `time (epoch ms) + ${CSV_COLUMNS} float columns, 6 decimals`;
  const result = resultFrom(
    {
      case: `ingest/upload-${format}`,
      metric: 'upload_mb_per_s',
      unit: 'MB/s',
      direction: 'higher',
      backend: LAKE_BACKEND,
      anchor: `${sizeMB.toFixed(0)} MB file (${layout}), curl -T to POST /api/uploads; the file in warm page cache`,
    },
    samples.ours,
    { name: 'fs-in-process/createReadStream→createWriteStream+fsync', samples: samples.peer },
  );
  ctx.log(
    `upload-${format}: lake ${result.value.toFixed(1)} MB/s (rounds ${spread(samples.ours)}), fs copy ${(result.peerValue ?? 0).toFixed(0)} MB/s (${spread(samples.peer)})`,
  );
  ctx.log(
    `upload-${format}: CPU of a core (diagnostic): lake ${percent(cpu.ours.server)} during ours (curl not counted); this process (peer) ${percent(cpu.peer.client)}`,
  );
  if (rss.peakMB.length !== samples.ours.length) {
    ctx.log(`upload-${format}: no peak RSS row (no /proc)`);
    return [result];
  }
  const memory = resultFrom(
    {
      case: `ingest/upload-${format}`,
      metric: 'peak_rss_mb',
      unit: 'MB',
      direction: 'lower',
      backend: LAKE_BACKEND,
      speedFigure: false,
      anchor: `lake process VmHWM during each upload (reset through /proc/<pid>/clear_refs first) and VmRSS sampled every 50 ms; ${median(rss.beforeMB).toFixed(0)} MB before the uploads (node --import tsx); the file is ${sizeMB.toFixed(0)} MB`,
    },
    rss.peakMB,
  );
  ctx.log(
    `upload-${format}: lake peak RSS ${memory.value.toFixed(0)} MB (rounds ${spread(rss.peakMB)}; ${median(rss.beforeMB).toFixed(0)} MB before) for a ${sizeMB.toFixed(0)} MB file`,
  );
  return [result, memory];
}

function count(n: number): string {
  return `1e${Math.round(Math.log10(n))}`;
}

async function pyramidCases(ctx: BenchContext, sizes: Sizes): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const todo = [1e8];
  const peerName = 'js-single-pass-min-max-sum-loop (child process)';
  for (let index = 0; index < todo.length; index++) {
    const samples = todo[index] ?? 0;
    const rounds = samples > 1e8 ? 1 : sizes.pyramidRounds;
    const ours: JobResult[] = [];
    const jsLoop: JobResult[] = [];
    const peer: JobResult[] = [];
    await interleave(
      rounds,
      async () => {
        // The builder's own loop, each round beside the lake's (wasm level 1): the kernel's gain.
        jsLoop.push(await runPyramidJob(ctx, 'pyramid-js', samples, BIG_PYRAMID_LIMIT_MS * 2));
        const job = await runPyramidJob(ctx, 'pyramid', samples, BIG_PYRAMID_LIMIT_MS * 2);
        ours.push(job);
        return job.ms;
      },
      async () => {
        const job = await runPyramidJob(ctx, 'floor', samples, BIG_PYRAMID_LIMIT_MS * 2);
        peer.push(job);
        return job.ms;
      },
    );
    const ns = (jobs: readonly JobResult[]) => jobs.map((job) => (job.ms * 1e6) / samples);
    const rss = (jobs: readonly JobResult[]) => jobs.map((job) => job.peakRssMB);
    const name = `ingest/pyramid-${count(samples)}`;
    const startRss = median(ours.map((job) => job.startRssMB));
    const speed = resultFrom(
      {
        case: name,
        metric: 'ns_per_sample',
        unit: 'ns/sample',
        direction: 'lower',
        backend: 'wasm/createPyramidBuilder+level1',
        anchor: `${samples} float32 samples in pieces of 2^18 (16 distinct pieces generated before the clock, cycled); every level's buckets handed out as pushed; level 1 by the lake's wasm kernel (same bytes as the builder's loop); one child process per measurement`,
      },
      ns(ours),
      { name: peerName, samples: ns(peer) },
    );
    const withoutKernel = resultFrom(
      {
        case: `${name}/js-loop`,
        metric: 'ns_per_sample',
        unit: 'ns/sample',
        direction: 'lower',
        backend: 'js/createPyramidBuilder',
        anchor: `as ${name}, level 1 by the builder's own JavaScript loop (no kernel injected)`,
      },
      ns(jsLoop),
      { name: peerName, samples: ns(peer) },
    );
    const memory = resultFrom(
      {
        case: name,
        metric: 'peak_rss_mb',
        unit: 'MB',
        direction: 'lower',
        backend: 'wasm/createPyramidBuilder+level1',
        speedFigure: false,
        anchor: `getrusage maxrss of the child process (node --import tsx); ${startRss.toFixed(0)} MB once the 16 pieces (16.8 MB) were generated, before reducing`,
      },
      rss(ours),
      { name: peerName, samples: rss(peer) },
    );
    ctx.log(
      `${name}: pyramid ${speed.value.toFixed(2)} ns/sample = ${(median(ours.map((j) => j.ms)) / 1000).toFixed(1)} s (rounds ${spread(ns(ours))}), peak RSS ${memory.value.toFixed(0)} MB (${startRss.toFixed(0)} MB before); floor ${(speed.peerValue ?? 0).toFixed(2)} ns/sample, peak RSS ${(memory.peerValue ?? 0).toFixed(0)} MB`,
    );
    ctx.log(
      `${name}: builder's own loop ${withoutKernel.value.toFixed(2)} ns/sample: the wasm level 1 is ${(withoutKernel.value / speed.value).toFixed(2)}× faster`,
    );
    results.push(speed, withoutKernel, memory);
    if (samples === 1e8) {
      const projectedBigMs = median(ours.map((job) => job.ms)) * 10;
      if (!sizes.bigPyramid) {
        ctx.log('pyramid-1e9: skipped (--quick)');
      } else if (projectedBigMs > BIG_PYRAMID_LIMIT_MS) {
        ctx.log(
          `pyramid-1e9: skipped, 10^8 took ${(projectedBigMs / 10_000).toFixed(1)} s so 10^9 would take ~${(projectedBigMs / 1000).toFixed(0)} s (> ${BIG_PYRAMID_LIMIT_MS / 1000} s)`,
        );
      } else {
        todo.push(1e9);
      }
    }
  }
  return results;
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const sizes = ctx.quick ? quickSizes : fullSizes;
  const root = await mkdtemp(path.join(tmpdir(), 'fieldlake-bench-ingest-'));
  ctx.defer(() => rm(root, { recursive: true, force: true }));
  const peerDir = path.join(root, 'peer');
  await mkdir(peerDir);
  const lake = await startLake(ctx, path.join(root, 'lake'));
  const results: BenchResult[] = [];
  for (const format of ['json', 'ndjson', 'msgpack'] as const) {
    results.push(await recordCase(ctx, sizes, lake, format, peerDir));
  }
  if (curlVersion() === null) {
    ctx.log('upload-csv, upload-wav: skipped, no curl on PATH');
  } else {
    for (const format of ['csv', 'wav'] as const) {
      results.push(...(await uploadCase(ctx, sizes, lake, format, root)));
    }
  }
  await lake.stop();
  await rm(path.join(root, 'lake'), { recursive: true, force: true });
  results.push(...(await pyramidCases(ctx, sizes)));
  return results;
}

export const ingest: BenchDefinition = {
  name: 'ingest',
  description:
    'The lake’s ingestion paths, each against a peer doing the same bytes’ work without the lake, interleaved ' +
    'rounds, medians; data under os.tmpdir() on the real disk. json / ndjson / msgpack: fluent-bit `http` ' +
    'bodies (JSON array with `date` seconds, json_lines, msgpack `[[EventTime, {}], record]` events) of 1000 ' +
    'records × 8 float fields, records 1 ms apart, 100 batches a round (the issue’s figure) posted one at a time with a collector ' +
    'token to POST /api/ingest/:policy of a lake process (policy: 8 float32 signals at 1000 Hz, fixed t0, so ' +
    'every batch appends), timed until GET /api/ingest/:policy reports pending 0 and every request done (the ' +
    'records placed in signals); peer: the same bodies decoded in this process (JSON.parse / msgpack ' +
    'decodeMulti) and appended to one file with an fsync per batch; target 0.5 of the peer. upload-csv / ' +
    'upload-wav: a generated 1 GB file (32 MB with --quick) — CSV ' +
    'of an epoch-ms time column + 4 float columns, WAV of 16-bit stereo PCM at 51.2 kHz — streamed by curl -T ' +
    'to POST /api/uploads?dataset=… (timed by curl, to the 201), vs the same file copied in this process with ' +
    'fs streams and the copy fsynced; the file is in warm page cache for both; their peak_rss_mb rows are the ' +
    'lake process’s peak resident memory during each upload (VmHWM reset through /proc/<pid>/clear_refs, and ' +
    'VmRSS sampled every 50 ms). pyramid-1e8 / pyramid-1e9: ' +
    'createPyramidBuilder over float32 pieces of 2^18 samples (16 distinct pieces generated before the clock) with the ' +
    'lake’s wasm level-1 kernel (…/js-loop: without it, the builder’s own loop), ' +
    'ns/sample and getrusage peak RSS, one child process per measurement, vs a plain single-pass min/max/sum ' +
    'loop over the same pieces (the floor); 10^9 only when 10^8 projects it under 3 min. MB = 10^6 B. Ratio > ' +
    '1 = the lake ahead.',
  run,
};

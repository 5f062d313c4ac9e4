// lake: the embedded lake server (server/) in its own process, driven over loopback HTTP from
// this process, against peers doing the same bytes' work with no lake in between. Every case
// alternates ours and the peer each round (interleave) and reports medians; ratio > 1 = the lake
// ahead.
//
// - chunk-put / chunk-get: 1 MiB random chunks, 4 requests in flight, against fs in this process
//   with the blob store's durability (./lake/chunks.ts) and readFile. Uploads go through node:http
//   keep-alive; downloads through one curl process (./lake/curl.ts) when there is one, since a
//   node:http client needs about a core at these rates.
// - changes: 10^5 annotation-like documents written with POST /api/bulk (1000 a request), then
//   the whole feed through GET /api/changes?include_docs=true in pages of 1000 (node:http, bodies
//   parsed), against the same pages read from the lake's SQLite file in this process
//   (./lake/docs.ts).
// - slice: a 10^8-sample float32 signal written in-process before the lake starts on it
//   (./lake/signal.ts), then streamed as Arrow IPC from GET /api/datasets/:id/signals/:name,
//   without and with the time column, against a bare node:http server in a child process piping
//   the same chunk files raw (./lake/raw-server.ts), both read by curl to /dev/null; the server
//   process's RSS is sampled from /proc every 50 ms during each timed stream.
//
// CPU time of the lake process and of this one is logged per case (./lake/cpu.ts): which side
// saturates a core says what limits the figure. Data lives under os.tmpdir() (the real disk,
// fsync included), removed at the end. A full run takes ~2 min on the 2-core VM; --quick
// shrinks every case (16 MiB, 10^4 docs, 10^7 samples; ~10 s).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { metaFile } from '../../server/data-layout.ts';
import { interleave, median, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import {
  CHUNK_BYTES,
  objectPath,
  prepareFsStore,
  randomChunks,
  readObject,
  restamp,
  writeDurable,
} from './lake/chunks.ts';
import type { Chunk } from './lake/chunks.ts';
import { pullFeed, seedDocs, SqliteFeed } from './lake/docs.ts';
import { getDrained, keepAliveAgent, putBytes } from './lake/http-client.ts';
import type { Client } from './lake/http-client.ts';
import { metered } from './lake/cpu.ts';
import { curlDrain, curlDrainMany, curlVersion } from './lake/curl.ts';
import { forEachConcurrent } from './lake/pool.ts';
import { startLake, startRawServer } from './lake/processes.ts';
import type { RunningServer } from './lake/processes.ts';
import { SLICE_DATASET, SLICE_SIGNAL_NAME, writeBigSignal } from './lake/signal.ts';
import { maxRss, sampleRss } from './storage/rss.ts';

const MB = 1e6;
const LAKE_BACKEND = 'fieldlake-lake/fastify-5+sqlite+fs';

interface Sizes {
  /** 1 MiB chunks per chunk-put round (and read per chunk-get round). */
  chunks: number;
  concurrency: number;
  putRounds: number;
  getRounds: number;
  docs: number;
  docBatch: number;
  feedPage: number;
  feedRounds: number;
  samples: number;
  sliceRounds: number;
}

const fullSizes: Sizes = {
  chunks: 128,
  concurrency: 4,
  putRounds: 6,
  getRounds: 8,
  docs: 1e5,
  docBatch: 1000,
  feedPage: 1000,
  feedRounds: 5,
  samples: 1e8,
  sliceRounds: 5,
};

const quickSizes: Sizes = {
  chunks: 16,
  concurrency: 4,
  putRounds: 2,
  getRounds: 2,
  docs: 1e4,
  docBatch: 1000,
  feedPage: 1000,
  feedRounds: 2,
  samples: 1e7,
  sliceRounds: 2,
};

/** 100000 → `1e5`, other counts as they are. */
function count(n: number): string {
  const exponent = Math.log10(n);
  return Number.isInteger(exponent) && exponent >= 3 ? `1e${exponent}` : String(n);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** CPU time / wall time of the lake process and of this one, per timed run (diagnostics). */
interface CpuLog {
  server: number[];
  client: number[];
}

function cpuLog(): CpuLog {
  return { server: [], client: [] };
}

function percent(fractions: readonly number[]): string {
  return fractions.length === 0 ? '?' : `${(median(fractions) * 100).toFixed(0)} %`;
}

/** `min–max` of the rounds, for the log. */
function spread(samples: readonly number[]): string {
  return `${Math.min(...samples).toFixed(0)}–${Math.max(...samples).toFixed(0)}`;
}

function cpuShares(cpu: { ours: CpuLog; peer: CpuLog }): string {
  return `lake server ${percent(cpu.ours.server)} and this process (client) ${percent(cpu.ours.client)} during ours; this process (peer) ${percent(cpu.peer.client)} during the peer's`;
}

/** `work` timed, the CPU of `pid` and of this process noted in `log`; resolves to `amount / s`. */
async function rate(
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

function lakeClient(ctx: BenchContext, lake: RunningServer, sockets: number): Client {
  const agent = keepAliveAgent(sockets);
  ctx.defer(() => {
    agent.destroy();
  });
  return { agent, base: lake.base, token: lake.token };
}

async function chunkCases(
  ctx: BenchContext,
  sizes: Sizes,
  lake: RunningServer,
  lakeDir: string,
  peerDir: string,
  curl: string | null,
): Promise<BenchResult[]> {
  const client = lakeClient(ctx, lake, sizes.concurrency);
  const { concurrency } = sizes;
  const chunks = randomChunks(sizes.chunks);
  const roundMB = (sizes.chunks * CHUNK_BYTES) / MB;
  await prepareFsStore(peerDir);

  // Both sides of a round write the same bytes; a new stamp per round makes them new chunks.
  let stamped = -1;
  const stampFor = (round: number): void => {
    if (stamped !== round) restamp(chunks, round);
    stamped = round;
  };
  const putOurs = (batch: readonly Chunk[]) =>
    forEachConcurrent(batch, concurrency, (chunk) =>
      putBytes(client, `/api/chunks/${chunk.sha256}`, chunk.bytes, [201]),
    );
  const putPeer = (batch: readonly Chunk[], round: number) =>
    forEachConcurrent(batch, concurrency, (chunk, index) =>
      writeDurable(peerDir, chunk, `${round}-${index}`),
    );

  // Warm-up (JIT, sockets, the first objects/<2 hex>/ folders), not counted. The restamp is
  // timed once for the log: SHA-256 in this process, the hashing the lake adds to each PUT.
  const hashStart = performance.now();
  stampFor(10_000);
  ctx.log(
    `chunk-put: SHA-256 of ${roundMB.toFixed(0)} MB in this process at ${(roundMB / ((performance.now() - hashStart) / 1000)).toFixed(0)} MB/s (diagnostic)`,
  );
  const warm = chunks.slice(0, Math.min(16, chunks.length));
  await putOurs(warm);
  await putPeer(warm, 10_000);

  const putCpu = { ours: cpuLog(), peer: cpuLog() };
  const put = await interleave(
    sizes.putRounds,
    async (round) => {
      stampFor(round);
      return rate(roundMB, lake.pid, putCpu.ours, () => putOurs(chunks));
    },
    async (round) => {
      stampFor(round);
      return rate(roundMB, lake.pid, putCpu.peer, () => putPeer(chunks, round));
    },
  );
  const putResult = resultFrom(
    {
      case: 'lake/chunk-put',
      metric: 'put_mb_per_s',
      unit: 'MB/s',
      direction: 'higher',
      backend: LAKE_BACKEND,
    },
    put.ours,
    { name: 'fs-in-process/temp+fsync+rename+fsync-dir', samples: put.peer },
  );
  ctx.log(
    `chunk-put ${sizes.chunks} × 1 MiB, ${concurrency} in flight: lake ${putResult.value.toFixed(0)} MB/s (rounds ${spread(put.ours)}), fs ${(putResult.peerValue ?? 0).toFixed(0)} MB/s (${spread(put.peer)})`,
  );
  ctx.log(`chunk-put: CPU of a core (diagnostic): ${cpuShares(putCpu)}`);

  // The chunks of the last round, as the lake stored them; both sides read warm page cache.
  const shas = chunks.map((chunk) => chunk.sha256);
  // Read by curl when there is one: a node:http client in this process needs about a core at
  // these rates and would cap the figure (the in-process peer has no client to pay for).
  const urls = shas.map((sha) => `${lake.base}/api/chunks/${sha}`);
  const getOurs =
    curl === null
      ? () =>
          forEachConcurrent(shas, concurrency, async (sha) => {
            const { bytes } = await getDrained(client, `/api/chunks/${sha}`);
            if (bytes !== CHUNK_BYTES) throw new Error(`chunk ${sha}: ${bytes} bytes`);
          })
      : async () => {
          const lengths = await curlDrainMany(
            urls,
            { authorization: `Bearer ${lake.token ?? ''}` },
            concurrency,
          );
          const short = lengths.findIndex((bytes) => bytes !== CHUNK_BYTES);
          if (short >= 0) throw new Error(`${urls[short] ?? '?'}: ${lengths[short] ?? 0} bytes`);
        };
  const getPeer = () =>
    forEachConcurrent(shas, concurrency, async (sha) => {
      const bytes = await readObject(lakeDir, sha);
      if (bytes !== CHUNK_BYTES) throw new Error(`chunk ${sha}: ${bytes} bytes on disk`);
    });
  await getOurs();
  await getPeer();
  const getCpu = { ours: cpuLog(), peer: cpuLog() };
  const get = await interleave(
    sizes.getRounds,
    () => rate(roundMB, lake.pid, getCpu.ours, getOurs),
    () => rate(roundMB, lake.pid, getCpu.peer, getPeer),
  );
  const getResult = resultFrom(
    {
      case: 'lake/chunk-get',
      metric: 'get_mb_per_s',
      unit: 'MB/s',
      direction: 'higher',
      backend: LAKE_BACKEND,
    },
    get.ours,
    { name: 'fs-in-process/readFile', samples: get.peer },
  );
  getResult.anchor = `read by ${curl ?? 'node:http'} (${concurrency} in flight) to /dev/null; both sides read warm page cache`;
  ctx.log(
    `chunk-get ${sizes.chunks} × 1 MiB (warm cache): lake ${getResult.value.toFixed(0)} MB/s (rounds ${spread(get.ours)}), readFile ${(getResult.peerValue ?? 0).toFixed(0)} MB/s (${spread(get.peer)})`,
  );
  ctx.log(
    `chunk-get: CPU of a core (diagnostic): ${cpuShares(getCpu)}${curl === null ? '' : ' (curl not counted)'}`,
  );
  return [putResult, getResult];
}

async function changesCase(
  ctx: BenchContext,
  sizes: Sizes,
  lake: RunningServer,
  lakeDir: string,
): Promise<BenchResult> {
  const client = lakeClient(ctx, lake, 1);
  const seedStart = performance.now();
  const bytes = await seedDocs(client, sizes.docs, sizes.docBatch);
  const seedMs = performance.now() - seedStart;
  ctx.log(
    `changes: ${sizes.docs} documents (${((bytes / sizes.docs) | 0).toString()} B of JSON on average) written with POST /api/bulk in ${seconds(seedMs)} (${((sizes.docs * 1000) / seedMs).toFixed(0)} docs/s, not a result)`,
  );
  const sqlite = new SqliteFeed(metaFile(lakeDir));
  ctx.defer(() => {
    sqlite.close();
  });
  // Warm-up, and both sides must see the same documents.
  const seenOurs = await pullFeed(client, sizes.feedPage);
  const seenPeer = sqlite.pull(sizes.feedPage);
  if (seenOurs !== seenPeer || seenOurs < sizes.docs) {
    throw new Error(`the feed gave ${seenOurs} documents, SQLite ${seenPeer}`);
  }
  const cpu = { ours: cpuLog(), peer: cpuLog() };
  const samples = await interleave(
    sizes.feedRounds,
    () => rate(seenOurs, lake.pid, cpu.ours, () => pullFeed(client, sizes.feedPage)),
    () => rate(seenPeer, lake.pid, cpu.peer, async () => sqlite.pull(sizes.feedPage)),
  );
  const result = resultFrom(
    {
      case: `lake/changes-${count(sizes.docs)}`,
      metric: 'feed_docs_per_s',
      unit: 'docs/s',
      direction: 'higher',
      backend: LAKE_BACKEND,
      anchor: 'PouchDB replication ~110–145 docs/s over HTTPS (published)',
    },
    samples.ours,
    { name: 'sqlite-read-no-http/better-sqlite3-in-process', samples: samples.peer },
  );
  ctx.log(
    `changes: ${seenOurs} documents in pages of ${sizes.feedPage}: lake ${result.value.toFixed(0)} docs/s (rounds ${spread(samples.ours)}), SQLite read (no HTTP) ${(result.peerValue ?? 0).toFixed(0)} docs/s (${spread(samples.peer)})`,
  );
  ctx.log(`changes: CPU of a core (diagnostic): ${cpuShares(cpu)}`);
  return result;
}

interface SliceSide {
  mbPerS: number[];
  rssMB: number[];
  /** Diagnostics: CPU time over wall time of the server process and of this (client) process. */
  serverCpu: number[];
  clientCpu: number[];
}

function emptySide(): SliceSide {
  return { mbPerS: [], rssMB: [], serverCpu: [], clientCpu: [] };
}

/** Reads a whole response to nothing; resolves to its bytes and the transfer time. */
type Reader = (server: RunningServer, urlPath: string) => Promise<{ bytes: number; ms: number }>;

/** curl when on PATH (see ./lake/curl.ts), else node:http with one keep-alive socket per server. */
function sliceReader(ctx: BenchContext, curl: string | null): { name: string; read: Reader } {
  if (curl !== null) {
    return {
      name: curl,
      read: (server, urlPath) =>
        curlDrain(
          `${server.base}${urlPath}`,
          server.token === null ? {} : { authorization: `Bearer ${server.token}` },
        ),
    };
  }
  ctx.log('slice: no curl on PATH, reading with node:http in this process (client-bound)');
  const agents = new Map<string, Client>();
  ctx.defer(() => {
    for (const client of agents.values()) client.agent.destroy();
  });
  return {
    name: 'node:http',
    read: async (server, urlPath) => {
      let client = agents.get(server.base);
      if (client === undefined) {
        client = { agent: keepAliveAgent(1), base: server.base, token: server.token };
        agents.set(server.base, client);
      }
      const start = performance.now();
      const { bytes } = await getDrained(client, urlPath);
      return { bytes, ms: performance.now() - start };
    },
  };
}

/** One timed stream: samples/s as MB/s of float32 samples, and the server's peak RSS meanwhile. */
async function timedStream(
  read: Reader,
  server: RunningServer,
  urlPath: string,
  minBytes: number,
  sampleMB: number,
  into: SliceSide,
): Promise<number> {
  const sampler = sampleRss([server.pid], 50);
  let run;
  try {
    run = await metered(server.pid, () => read(server, urlPath));
  } finally {
    const { peakBytes } = await sampler.stop();
    into.rssMB.push(peakBytes / MB);
  }
  if (run.value.bytes < minBytes) {
    throw new Error(`${urlPath}: ${run.value.bytes} bytes, expected at least ${minBytes}`);
  }
  if (run.server !== undefined) into.serverCpu.push(run.server);
  into.clientCpu.push(run.client);
  const mbPerS = sampleMB / (run.value.ms / 1000);
  into.mbPerS.push(mbPerS);
  return mbPerS;
}

async function sliceCases(
  ctx: BenchContext,
  sizes: Sizes,
  root: string,
  curl: string | null,
): Promise<BenchResult[]> {
  const lakeDir = path.join(root, 'lake-slice');
  const writeStart = performance.now();
  const written = await writeBigSignal(lakeDir, sizes.samples);
  ctx.log(
    `slice: ${sizes.samples} float32 samples written in-process in ${seconds(performance.now() - writeStart)} (${written.chunks.length} chunks of ${written.chunkLength}, ${written.levels} pyramid levels)`,
  );
  const listFile = path.join(root, 'slice-chunks.json');
  await writeFile(listFile, JSON.stringify(written.chunks.map((sha) => objectPath(lakeDir, sha))));
  const lake = await startLake(ctx, lakeDir);
  const raw = await startRawServer(ctx, listFile);
  const lakeClientOne = lakeClient(ctx, lake, 1);
  const rawClient: Client = { agent: keepAliveAgent(1), base: raw.base, token: null };
  ctx.defer(() => {
    rawClient.agent.destroy();
  });
  const reader = sliceReader(ctx, curl);
  const sampleMB = (sizes.samples * 4) / MB;
  const rawBytes = sizes.samples * 4;
  const slicePath = (time: boolean) =>
    `/api/datasets/${encodeURIComponent(SLICE_DATASET)}/signals/${encodeURIComponent(SLICE_SIGNAL_NAME)}?format=arrow${time ? '' : '&time=none'}`;

  // Check what is served (node:http: status, rows, Arrow's first bytes, complete body), and warm
  // both servers up (not counted).
  for (const time of [false, true]) {
    const drained = await getDrained(lakeClientOne, slicePath(time));
    const rows = Number(drained.headers['fieldlake-slice-rows']);
    if (rows !== sizes.samples || drained.head.readUInt32LE(0) !== 0xffffffff) {
      throw new Error(`the slice answered ${rows} rows, head ${drained.head.toString('hex')}`);
    }
  }
  const rawDrained = await getDrained(rawClient, '/raw');
  if (rawDrained.bytes < rawBytes) throw new Error(`the raw server sent ${rawDrained.bytes} bytes`);
  const baseline = { lake: (await maxRss([lake.pid])) / MB, raw: (await maxRss([raw.pid])) / MB };

  const results: BenchResult[] = [];
  for (const time of [false, true]) {
    const name = `lake/slice-${count(sizes.samples)}${time ? '/time' : ''}`;
    const ours = emptySide();
    const peer = emptySide();
    // The time column is 8 bytes a sample (timestamp[us]) beside the 4 of the value.
    const minBytes = rawBytes * (time ? 3 : 1);
    await interleave(
      sizes.sliceRounds,
      () => timedStream(reader.read, lake, slicePath(time), minBytes, sampleMB, ours),
      () => timedStream(reader.read, raw, '/raw', rawBytes, sampleMB, peer),
    );
    const peerName = 'node:http-raw-chunk-files/createReadStream-1MiB-pipe';
    const speed = resultFrom(
      {
        case: name,
        metric: 'slice_mb_per_s',
        unit: 'MB/s',
        direction: 'higher',
        backend: LAKE_BACKEND,
        anchor:
          `MB/s of float32 samples (${sampleMB.toFixed(0)} MB), both read by ${reader.name} to /dev/null, warm page cache` +
          (time
            ? '; with the time column the lake sends 3× those bytes, the peer never sends times'
            : ''),
      },
      ours.mbPerS,
      { name: peerName, samples: peer.mbPerS },
    );
    const rss = resultFrom(
      {
        case: name,
        metric: 'peak_rss_mb',
        unit: 'MB',
        direction: 'lower',
        backend: LAKE_BACKEND,
        speedFigure: false,
        anchor: `server process VmRSS from /proc every 50 ms during each timed stream; before the streams: lake ${baseline.lake.toFixed(0)} MB, raw server ${baseline.raw.toFixed(0)} MB (both node --import tsx); the signal is ${sampleMB.toFixed(0)} MB`,
      },
      ours.rssMB,
      { name: peerName, samples: peer.rssMB },
    );
    ctx.log(
      `${name}: lake ${speed.value.toFixed(0)} MB/s (rounds ${spread(ours.mbPerS)}; peak RSS ${median(ours.rssMB).toFixed(0)} MB), raw ${(speed.peerValue ?? 0).toFixed(0)} MB/s (${spread(peer.mbPerS)}; peak RSS ${median(peer.rssMB).toFixed(0)} MB)`,
    );
    ctx.log(
      `${name}: CPU of a core while streaming (diagnostic): lake server ${percent(ours.serverCpu)}, raw server ${percent(peer.serverCpu)}; this process ${percent(ours.clientCpu)} / ${percent(peer.clientCpu)}${reader.name === 'node:http' ? '' : ' (curl not counted)'}`,
    );
    results.push(speed, rss);
  }
  await lake.stop();
  await raw.stop();
  return results;
}

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const sizes = ctx.quick ? quickSizes : fullSizes;
  const root = await mkdtemp(path.join(tmpdir(), 'fieldlake-bench-lake-'));
  ctx.defer(() => rm(root, { recursive: true, force: true }));

  const lakeDir = path.join(root, 'lake');
  const peerDir = path.join(root, 'fs-peer');
  const lake = await startLake(ctx, lakeDir);
  const curl = curlVersion();
  ctx.log(`reading client for chunk-get and slice: ${curl ?? 'node:http (no curl on PATH)'}`);
  const results = await chunkCases(ctx, sizes, lake, lakeDir, peerDir, curl);
  results.push(await changesCase(ctx, sizes, lake, lakeDir));
  await lake.stop();
  // Its chunks and documents are no longer needed: give the disk and page cache back.
  for (const dir of [lakeDir, peerDir]) await rm(dir, { recursive: true, force: true });
  results.push(...(await sliceCases(ctx, sizes, root, curl)));
  return results;
}

export const lake: BenchDefinition = {
  name: 'lake',
  description:
    'The embedded lake server (`npm start`: fastify 5, SQLite metadata, filesystem blob store) in its own process, ' +
    'driven from this process over loopback HTTP, against peers doing the same bytes’ work without the lake, ' +
    'interleaved rounds, medians. Data under os.tmpdir() on the real disk. chunk-put: 128 chunks of 1 MiB random ' +
    'bytes per round (new ones each round), 4 PUT /api/chunks/:sha256 in flight over node:http keep-alive (the lake ' +
    'hashes each body, writes temp + fsync + rename + fsync dir, records the chunk in SQLite with synchronous=FULL) ' +
    'vs the same bytes written by fs in this process with the same durability (temp + fsync + rename + fsync dir; ' +
    'no hash, no index), 4 in flight. chunk-get: those 128 chunks by GET, 4 in flight on reused connections of one ' +
    'curl process, vs readFile of the same object files in this process, 4 in flight; both read warm page cache ' +
    '(just written), so this is the HTTP path, not the disk. changes-1e5: 10^5 annotation-like documents (340 B–1.9 ' +
    'KB JSON, mean 1.1 KB) written with POST /api/bulk (1000 a request), then the whole feed pulled by GET ' +
    '/api/changes?since&limit=1000&include_docs=true (node:http, bodies parsed) vs the same pages read straight ' +
    "from the lake's SQLite file with better-sqlite3 in this process, bodies parsed (no HTTP: a floor, not a " +
    'competitor). slice-1e8: a signal of 10^8 float32 samples (400 MB, 382 chunks of 2^18, written in-process ' +
    'before the lake starts) streamed as Arrow IPC by GET /api/datasets/:id/signals/:name?format=arrow&time=none ' +
    '(and with the time column, timestamp[us]: /time) — each chunk read whole, SHA-256 verified, framed — vs a bare ' +
    'node:http server in a child process piping the same chunk files raw in manifest order (createReadStream, 1 MiB ' +
    'reads), both read by curl to /dev/null, warm page cache; figures are MB/s of float32 samples; peak_rss_mb is ' +
    'the serving process’s VmRSS sampled every 50 ms during each stream (both servers run under node --import ' +
    'tsx). MB = 10^6 B. Ratio > 1 = the lake ahead.',
  run,
};

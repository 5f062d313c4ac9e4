// http-server: requests/s of the lake server's framework (fastify 5) against bare node:http, both
// answering GET /api/health with {"status":"ok"} on 127.0.0.1 (ephemeral ports). The servers run
// in a child process (their own core); this process generates the load with a bounded number of
// concurrent keep-alive connections, bounded in time and count per round (./http-server/load.ts).
// Rounds alternate fastify / node:http; medians are reported. Ratio = fastify / node:http.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { interleave, resultFrom } from '../lib/stats.ts';
import type { BenchContext, BenchDefinition, BenchResult } from '../lib/types.ts';
import { httpAgent, httpAgentRound, netKeepAliveRound } from './http-server/load.ts';
import type { LoadOptions } from './http-server/load.ts';
import type { ServerPorts, ServersMessage } from './http-server/servers.ts';

const expectedBody = JSON.stringify({ status: 'ok' });

/** Starts ./http-server/servers.ts in a child process (through tsx); stopped through `ctx.defer`. */
async function startServers(ctx: BenchContext): Promise<ServerPorts> {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./http-server/servers.ts', import.meta.url)),
    [],
    {
      execArgv: ['--import', tsxLoader],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  ctx.defer(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send('stop');
        else child.kill('SIGTERM');
      }),
  );
  return new Promise<ServerPorts>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('the servers did not start within 20 s'));
    }, 20_000);
    child.once('message', (message: ServersMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message.ports);
      else reject(new Error(`the servers failed to start: ${message.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the servers' process exited early (${signal ?? code ?? 'unknown'})`));
    });
    child.once('error', reject);
  });
}

type Client = 'net-keepalive' | 'http-agent';

const cases: readonly { client: Client; concurrency: number }[] = [
  { client: 'net-keepalive', concurrency: 1 },
  { client: 'net-keepalive', concurrency: 16 },
  { client: 'http-agent', concurrency: 16 },
];

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const ports = await startServers(ctx);
  const rounds = ctx.quick ? 2 : 12;
  const durationMs = ctx.quick ? 100 : 400;
  const results: BenchResult[] = [];
  for (const { client, concurrency } of cases) {
    const base = {
      concurrency,
      durationMs,
      maxRequests: 1_000_000,
      path: '/api/health',
      expectedBody,
    };
    const fastify: LoadOptions = { ...base, port: ports.fastify };
    const bare: LoadOptions = { ...base, port: ports.nodeHttp };
    let round: (options: LoadOptions) => Promise<number>;
    if (client === 'http-agent') {
      // One keep-alive agent per server, kept across rounds (warm-up included).
      const fastifyAgent = httpAgent(concurrency);
      const bareAgent = httpAgent(concurrency);
      ctx.defer(() => {
        fastifyAgent.destroy();
        bareAgent.destroy();
      });
      round = (options) =>
        httpAgentRound(options, options.port === ports.fastify ? fastifyAgent : bareAgent);
    } else {
      round = netKeepAliveRound;
    }
    // Warm-up (JIT, sockets), not counted.
    const warmupMs = ctx.quick ? 50 : 250;
    await round({ ...fastify, durationMs: warmupMs });
    await round({ ...bare, durationMs: warmupMs });
    const samples = await interleave(
      rounds,
      () => round(fastify),
      () => round(bare),
    );
    const result = resultFrom(
      {
        case: `health-json/c${concurrency}/${client}/fastify`,
        metric: 'requests_per_s',
        unit: 'req/s',
        direction: 'higher',
        backend: 'fastify',
      },
      samples.ours,
      { name: 'node:http', samples: samples.peer },
    );
    ctx.log(
      `${client} c=${concurrency}: fastify ${Math.round(result.value)} req/s, node:http ${Math.round(result.peerValue ?? 0)} req/s`,
    );
    results.push(result);
  }
  return results;
}

export const httpServer: BenchDefinition = {
  name: 'http-server',
  description:
    'Requests/s of the lake server framework (fastify 5) vs bare node:http, both answering GET /api/health with ' +
    '{"status":"ok"} on 127.0.0.1 from a child process; load from this process over keep-alive connections ' +
    '(one request in flight per connection), 400 ms rounds alternating fastify / node:http. Clients: `net-keepalive` ' +
    '(raw sockets, light: the server is the bottleneck, so the ratio shows framework overhead) and `http-agent` ' +
    '(node:http + keep-alive Agent: the client saturates its core first at c16). Ratio = fastify / node:http.',
  run,
};

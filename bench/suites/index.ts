// Every benchmark `npm run bench` knows, in the order `npm run bench` runs them.
import type { BenchDefinition } from '../lib/types.ts';
import { compute } from './compute.bench.ts';
import { computeKernels } from './compute-kernels.bench.ts';
import { docstore } from './docstore.bench.ts';
import { httpServer } from './http-server.bench.ts';
import { ingest } from './ingest.bench.ts';
import { lake } from './lake.bench.ts';
import { storage } from './storage.bench.ts';
import { sync } from './sync.bench.ts';
import { syncSoak } from './sync-soak.bench.ts';
import { workerTransfer } from './worker-transfer.bench.ts';

export const suites: readonly BenchDefinition[] = [
  httpServer,
  workerTransfer,
  docstore,
  storage,
  lake,
  ingest,
  sync,
  syncSoak,
  compute,
  computeKernels,
];

// Bundle-size entry of the RxDB option: RxDB core + its Dexie storage (the engine the benchmark
// measures) + the replication plugin and leader election that an RxDB-based sync would use.
// Built minified by docstore.bench.ts.
import { addRxPlugin } from 'rxdb';
import { RxDBLeaderElectionPlugin } from 'rxdb/plugins/leader-election';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { rxdbEngine } from '../rxdb-engine.ts';

addRxPlugin(RxDBLeaderElectionPlugin);
(window as unknown as Record<string, unknown>).fieldlakeStore = {
  rxdbEngine,
  replicateRxCollection,
};

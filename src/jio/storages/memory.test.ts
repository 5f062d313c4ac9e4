import { runStorageConformance } from '../conformance/storage.suite.ts';
import { createStorageRegistry, registerCoreStorages } from '../registry.ts';

const registry = createStorageRegistry();
registerCoreStorages(registry);
let count = 0;

runStorageConformance('memory', {
  open: async () => registry.create({ type: 'memory', name: `conformance-${++count}` }),
  queries: false,
});

runStorageConformance('query over memory', {
  open: async () =>
    registry.create({ type: 'query', sub: { type: 'memory', name: `conformance-${++count}` } }),
  queries: true,
});

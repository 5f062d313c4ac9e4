// Bundle-size entry of the Dexie option: Dexie + the engine the benchmark measures (seq-stamped
// writes, change feed, conditional bulk writes). Built minified by docstore.bench.ts.
import { dexieEngine } from '../dexie-engine.ts';

(window as unknown as Record<string, unknown>).fieldlakeStore = dexieEngine;

// Moved to src/shared/signal so that the server and the browser share one definition.
export { manifestPageSize, pageId } from '../../shared/signal/types.ts';
export type {
  ChunkPage,
  ManifestEntry,
  NewSignal,
  SignalHeader,
} from '../../shared/signal/types.ts';

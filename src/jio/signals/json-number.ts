// Moved to src/shared/signal so that the server and the browser share one definition.
export { fromJsonNumber, toJsonNumber } from '../../shared/signal/json-number.ts';
export type { JsonNumber } from '../../shared/signal/json-number.ts';

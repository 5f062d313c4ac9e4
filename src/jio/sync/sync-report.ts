// The structured sync report: what the engine did, as events with kinds, ids and times, kept
// in a bounded ring for the UI and tests, plus running counters that never wrap. Listeners
// are told synchronously; a listener that throws is dropped from nothing and harms nothing.

export type SyncEventKind =
  | 'cycle-start'
  | 'cycle-end'
  | 'pulled' // a lake change stored locally
  | 'pushed' // a local change acknowledged by the lake
  | 'conflict' // resolved by the document type's rule (detail says which)
  | 'conflict-bug' // a single-writer document conflicted: reported, nothing overwritten
  | 'push-failed' // refused by the lake (kept in the outbox with the reason)
  | 'chunk-uploaded'
  | 'chunk-downloaded'
  | 'offline' // the lake could not be reached: the cycle stopped, nothing lost
  | 'error'; // anything else that stopped a cycle

export interface SyncEvent {
  kind: SyncEventKind;
  /** Device time in ms since the epoch (display and ordering within this device only). */
  at: number;
  id?: string;
  rev?: string;
  /** Human-readable detail: the rule applied, the error message. */
  detail?: string;
  /** Bytes moved (chunk events). */
  bytes?: number;
}

export type SyncCounters = Record<SyncEventKind, number>;

const kinds: readonly SyncEventKind[] = [
  'cycle-start',
  'cycle-end',
  'pulled',
  'pushed',
  'conflict',
  'conflict-bug',
  'push-failed',
  'chunk-uploaded',
  'chunk-downloaded',
  'offline',
  'error',
];

export class SyncReport {
  readonly #events: SyncEvent[] = [];
  readonly #listeners = new Set<(event: SyncEvent) => void>();
  readonly counters: SyncCounters = Object.fromEntries(kinds.map((k) => [k, 0])) as SyncCounters;

  constructor(
    private readonly capacity = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  add(event: Omit<SyncEvent, 'at'>): void {
    const full: SyncEvent = { ...event, at: this.now() };
    this.counters[full.kind]++;
    this.#events.push(full);
    if (this.#events.length > this.capacity)
      this.#events.splice(0, this.#events.length - this.capacity);
    for (const listener of this.#listeners) {
      try {
        listener(full);
      } catch {
        // A broken listener (a closed page's port) must not stop sync.
      }
    }
  }

  /** The events still held, oldest first (a copy). */
  events(): SyncEvent[] {
    return this.#events.slice();
  }

  subscribe(listener: (event: SyncEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

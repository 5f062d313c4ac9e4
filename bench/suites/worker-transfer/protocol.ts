// What the worker-transfer page and its worker expose (types only; shared by the page, the worker
// and the benchmark that drives the page through Playwright).

/** `transfer`: Comlink.transfer both ways (ours). `copy`: structured clone both ways (peer). */
export type Mode = 'transfer' | 'copy';

/** The worker's API, wrapped with comlink on the page. */
export interface EchoApi {
  /** Returns the buffer it received, transferred back. */
  echoTransfer(buffer: ArrayBuffer): ArrayBuffer;
  /** Returns the buffer it received, copied back (structured clone). */
  echoCopy(buffer: ArrayBuffer): ArrayBuffer;
}

/** Installed on `window` under `pageApiKey` once the page and its worker are up. */
export interface PageApi {
  /** Allocates and fills the buffers (`bytes` each) and does one round trip of each mode. */
  prepare(bytes: number): Promise<void>;
  /** One round trip to the worker and back; resolves to its milliseconds (performance.now). */
  roundTrip(mode: Mode): Promise<number>;
}

export const pageApiKey = 'fieldlakeBench';

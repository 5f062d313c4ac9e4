// A job's result kept as data of the device, synced like any other: one `derived` document
// naming what it was computed from (input signal and range, algorithm, version, normalised
// parameters, the input chunks' hashes) and its outputs — small ones inline in the document,
// long ones as signals of their own (`<doc id>/<output>`, chunked and synced like recordings).
// The document id is a hash of all that, so saving the same computation twice is one result.
import { sha256Hex } from '../../shared/chunk/sha256.ts';
import { toJsonNumber, type JsonNumber } from '../../shared/signal/json-number.ts';
import { canonicalJson } from '../../shared/wire/canonical-json.ts';
import { isJioError } from '../../jio/errors.ts';
import type { SignalStore } from '../../jio/signals/signal-store.ts';
import type { JioDocument, Storage } from '../../jio/types.ts';
import type { ComputeResult } from './jobs.ts';

/** Outputs up to this many values go inline in the document; longer ones become signals. */
export const INLINE_LIMIT = 4096;
/** Input chunk lists up to this length are stored whole; longer ones by their digest only. */
const LISTED_CHUNKS = 1024;

export type SavedOutput = { values: JsonNumber[] } | { signalId: string; length: number };

export interface DerivedDocument extends JioDocument {
  type: 'derived';
  /** The input signal: the lake places the result in its site. */
  signalId: string;
  datasetId: string;
  algorithm: string;
  version: number;
  params: unknown;
  backend: string;
  range: { start: number; end: number };
  /** SHA-256 over the input chunk hashes joined by newlines: equal inputs, equal digest. */
  inputDigest: string;
  inputChunks?: string[];
  inputChunkCount: number;
  outputs: Record<string, SavedOutput>;
  computedAt: string;
}

/**
 * Where windowed outputs sit in time: one value per window, at the window's first sample.
 * Other algorithms' output signals get no time base (their rate and alignment depend on their
 * parameters; the document names input and parameters, from which a reader derives them).
 */
function timeBaseOf(
  result: ComputeResult,
  header: { t0?: string; sampleRate?: number },
): { t0?: string; sampleRate?: number } {
  const window = (result.params as { window?: unknown }).window;
  if (result.algorithm !== 'windowed' || typeof window !== 'number') return {};
  if (header.sampleRate === undefined) return {};
  const base = {
    sampleRate: header.sampleRate / window,
  };
  if (header.t0 === undefined) return base;
  const t0 = new Date(Date.parse(header.t0) + (result.start / header.sampleRate) * 1000);
  return { ...base, t0: t0.toISOString() };
}

export async function saveResult(
  result: ComputeResult,
  stores: { storage: Storage; signals: SignalStore },
): Promise<string> {
  const header = await stores.signals.header(result.signal);
  const encoder = new TextEncoder();
  const inputDigest = await sha256Hex(encoder.encode(result.inputChunks.join('\n')));
  const identity = canonicalJson({
    signal: result.signal,
    algorithm: result.algorithm,
    version: result.version,
    params: result.params,
    start: result.start,
    end: result.end,
    inputDigest,
  });
  const id = `derived/${(await sha256Hex(encoder.encode(identity))).slice(0, 32)}`;
  try {
    await stores.storage.get(id);
    return id; // the same computation over the same bytes: already saved
  } catch (error) {
    if (!isJioError(error, 'not_found')) throw error;
  }
  const outputs: Record<string, SavedOutput> = {};
  for (const [name, values] of Object.entries(result.outputs)) {
    if (values.length <= INLINE_LIMIT) {
      outputs[name] = { values: Array.from(values, toJsonNumber) };
      continue;
    }
    const signalId = `${id}/${name}`;
    // Outputs first, document last: a document never names a signal that is not there. A save
    // cut short (tab closed) left a prefix of the same values (the id says they are the same):
    // the next save appends the rest.
    let stored = 0;
    try {
      await stores.signals.create(signalId, {
        datasetId: header.datasetId,
        name: `${header.name} · ${result.algorithm} ${name}`,
        dtype: values instanceof Float64Array ? 'float64' : 'float32',
        ...timeBaseOf(result, header),
        ...(header.unit === undefined || name === 'count' ? {} : { unit: header.unit }),
      });
    } catch (error) {
      if (!isJioError(error, 'conflict')) throw error;
      stored = (await stores.signals.header(signalId)).length;
    }
    if (stored < values.length) {
      await stores.signals.append(signalId, values.subarray(stored), { unsynced: true });
    }
    outputs[name] = { signalId, length: values.length };
  }
  const doc: DerivedDocument = {
    type: 'derived',
    signalId: result.signal,
    datasetId: header.datasetId,
    algorithm: result.algorithm,
    version: result.version,
    params: result.params,
    backend: result.backend,
    range: { start: result.start, end: result.end },
    inputDigest,
    inputChunkCount: result.inputChunks.length,
    ...(result.inputChunks.length <= LISTED_CHUNKS ? { inputChunks: result.inputChunks } : {}),
    outputs,
    computedAt: new Date().toISOString(),
  };
  await stores.storage.put(id, doc);
  return id;
}

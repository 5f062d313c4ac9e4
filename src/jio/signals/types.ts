// Signals: a header document, a paged chunk manifest, and chunks in the chunk store
// (DESIGN.md, "Data model"). The header's `length` is the commit point of an append: readers
// never look past it, so pages written by an append that did not finish are never seen.
import type { Dtype, ZarrCodec } from '../../shared/chunk/index.ts';
import type { JsonNumber } from './json-number.ts';

/** Entries per chunk-page document: appending touches only the last page. */
export const manifestPageSize = 1024;

export interface SignalHeader {
  type: 'signal';
  datasetId: string;
  name: string;
  dtype: Dtype;
  /** Samples per chunk, a power of two (default 2^18: 1 MiB of float32). */
  chunkLength: number;
  /** The Zarr v3 codec chain of every chunk of this signal. */
  codecs: ZarrCodec[];
  fillValue: JsonNumber;
  /** Valid samples. */
  length: number;
  /** Regular time base: ISO 8601 instant of sample 0 and samples per second. */
  t0?: string;
  sampleRate?: number;
  /** Irregular time base: id of a float64 signal of the same length holding each sample's time. */
  timeSignalId?: string;
  unit?: string;
}

/** One chunk of the manifest: its current version's hash, valid samples and statistics. */
export interface ManifestEntry {
  sha256: string;
  count: number;
  min: JsonNumber;
  max: JsonNumber;
  mean: JsonNumber;
  /** Finite samples (NaN and ±Infinity excluded), so that means merge by count. */
  finite: number;
  nanCount: number;
}

export interface ChunkPage {
  type: 'chunk-page';
  signalId: string;
  page: number;
  entries: ManifestEntry[];
}

/** What a caller gives to create a signal; the rest has defaults. */
export interface NewSignal {
  datasetId: string;
  name: string;
  dtype?: Dtype;
  chunkLength?: number;
  codecs?: ZarrCodec[];
  fillValue?: number;
  t0?: string;
  sampleRate?: number;
  timeSignalId?: string;
  unit?: string;
}

export function pageId(signalId: string, page: number): string {
  return `${signalId}/manifest/${page}`;
}

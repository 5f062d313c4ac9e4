// A signal header or pyramid level document as the slice reader needs it, checked: the
// documents come from the metadata store, written by clients through the sync API, so a
// malformed one is a lake fault (500, logged by the app), never a crash deeper in the read.
import { type ChunkLayout, type Dtype, validateLayout } from '../../../src/shared/chunk/index.ts';
import { fromJsonNumber, type JsonNumber } from '../../../src/shared/signal/json-number.ts';
import type { StoredDoc } from '../../meta/types.ts';
import type { StoredArray } from './rows.ts';
import { instantToUs } from './time.ts';
import type { TimeBase } from './types.ts';

export interface SignalView {
  id: string;
  name: string;
  dtype: Dtype;
  /** Valid samples. */
  length: number;
  /** Pyramid levels built. */
  levels: number;
  /** The regular time base, when t0 and sampleRate are both usable. */
  time: TimeBase | null;
  /** Whether the times are another signal's (irregular sampling). */
  irregular: boolean;
  t0: string | undefined;
  sampleRate: number | undefined;
  unit: string | undefined;
  array: StoredArray;
}

export interface LevelView {
  id: string;
  level: number;
  bucketLength: number;
  dtype: Dtype;
  /** Buckets. */
  length: number;
  array: StoredArray;
}

function malformed(doc: StoredDoc, what: string): Error {
  return new Error(`Document "${doc.id}" is not a valid ${what}`);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isJsonNumber(value: unknown): value is JsonNumber {
  return (
    typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity'
  );
}

function layoutOf(doc: StoredDoc, chunkLength: unknown, what: string): ChunkLayout {
  const body = doc.body;
  if (!isCount(chunkLength)) throw malformed(doc, what);
  const fillValue = body.fillValue;
  try {
    return validateLayout({
      dtype: body.dtype,
      chunkLength,
      codecs: body.codecs,
      ...(isJsonNumber(fillValue) ? { fillValue: fromJsonNumber(fillValue) } : {}),
    });
  } catch (error) {
    throw new Error(`Document "${doc.id}" has an invalid chunk layout`, { cause: error });
  }
}

/** The signal header of a `signal` document. */
export function signalView(doc: StoredDoc): SignalView {
  const body = doc.body;
  const layout = layoutOf(doc, body.chunkLength, 'signal header');
  if (
    !isCount(body.length) ||
    typeof body.name !== 'string' ||
    (body.levels !== undefined && !isCount(body.levels))
  ) {
    throw malformed(doc, 'signal header');
  }
  const t0 = typeof body.t0 === 'string' ? body.t0 : undefined;
  const sampleRate =
    typeof body.sampleRate === 'number' && Number.isFinite(body.sampleRate) && body.sampleRate > 0
      ? body.sampleRate
      : undefined;
  const t0Us = t0 === undefined ? undefined : instantToUs(t0);
  return {
    id: doc.id,
    name: body.name,
    dtype: layout.dtype,
    length: body.length,
    levels: body.levels ?? 0,
    time: t0Us === undefined || sampleRate === undefined ? null : { t0Us, sampleRate },
    irregular: typeof body.timeSignalId === 'string',
    t0,
    sampleRate,
    unit: typeof body.unit === 'string' ? body.unit : undefined,
    array: { id: doc.id, layout, columns: 1, length: body.length },
  };
}

/** A `pyramid-level` document: `chunkLength` buckets per chunk, four values per bucket. */
export function levelView(doc: StoredDoc): LevelView {
  const body = doc.body;
  const buckets = body.chunkLength;
  if (!isCount(buckets) || !isCount(body.length) || !isCount(body.bucketLength)) {
    throw malformed(doc, 'pyramid level');
  }
  if (!isCount(body.level) || body.bucketLength === 0) throw malformed(doc, 'pyramid level');
  const layout = layoutOf(doc, buckets * 4, 'pyramid level');
  if (layout.dtype !== 'float32' && layout.dtype !== 'float64') {
    throw malformed(doc, 'pyramid level (its dtype must be float32 or float64)');
  }
  return {
    id: doc.id,
    level: body.level,
    bucketLength: body.bucketLength,
    dtype: layout.dtype,
    length: body.length,
    array: { id: doc.id, layout, columns: 4, length: body.length },
  };
}

// Ingestion policies (documents of type `ingestion-policy`): which dataset a collector writes
// into and how its records become signals. The policy is the security setting too: a collector
// token names the one policy it may write through.
import type { Dtype } from '../../src/shared/chunk/index.ts';
import { parseInstant } from '../../src/shared/query/instant.ts';
import { TIME_FORMATS, type TimeFormat } from '../../src/shared/ingest/records/index.ts';

function isTimeFormat(value: string): value is TimeFormat {
  return (TIME_FORMATS as readonly string[]).includes(value);
}
import { HttpError } from '../http/errors.ts';
import type { JsonObject } from '../meta/types.ts';

export interface PolicySignal {
  /** The record field whose value this signal takes. */
  field: string;
  /** The signal's name in the dataset. */
  name: string;
  dtype: Extract<Dtype, 'float32' | 'float64'>;
  /**
   * Samples per second: sample index = round((t − t0) · sampleRate). Undefined: an irregular
   * signal (`irregular: true` in the policy) — values appended in log order, each record's
   * time in a float64 time signal beside it (`irregularTimeName`).
   */
  sampleRate: number | undefined;
  /** Time of sample 0 (ms); absent: the first record's time, to the sample period. */
  t0Ms: number | undefined;
  unit: string | undefined;
  /** Samples per chunk, a power of two (default INGEST_CHUNK_LENGTH). */
  chunkLength: number;
}

/**
 * Chunks of collector-fed signals are smaller than an upload's (2^18): every commit of the
 * transformation rewrites each signal's tail chunk whole (chunks are padded to their length), so
 * the tail's size is what a small batch costs. 2^16 float32 samples are 256 KiB — 65 s of
 * 1 kHz data, 18 h of 1 Hz — still few enough chunks for a year of a signal.
 */
export const INGEST_CHUNK_LENGTH = 2 ** 16;

export interface IngestionPolicy {
  id: string;
  datasetId: string;
  /** A payload format to force (else chosen from the request). */
  format: string | undefined;
  /** Records further ahead of the lake's clock than this are refused. */
  futureLimitMs: number;
  /** Largest request body accepted. */
  maxBodyBytes: number;
  signals: PolicySignal[];
  /** How the collector's records carry time and tag (fluentd's inject keys, fluent-bit's json_date_*). */
  parse: { timeKey?: string | false; timeFormat?: TimeFormat; tagKey?: string };
}

export const DEFAULT_FUTURE_LIMIT_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

function bad(id: string, message: string): HttpError {
  return new HttpError('bad_request', `Ingestion policy "${id}": ${message}`, {
    reason: 'invalid_policy',
  });
}

/** The name of an irregular signal's time signal (float64, ms since the epoch). */
export function irregularTimeName(name: string): string {
  return `${name}.time`;
}

/** The signal document id of a policy signal. */
export function policySignalId(datasetId: string, name: string): string {
  return `${datasetId}/signals/${name}`;
}

export function parsePolicy(id: string, body: JsonObject): IngestionPolicy {
  if (body.type !== 'ingestion-policy') throw bad(id, 'is not an ingestion-policy document');
  const datasetId = body.datasetId;
  if (typeof datasetId !== 'string' || datasetId.length === 0) throw bad(id, 'needs a datasetId');
  const list = body.signals;
  if (!Array.isArray(list) || list.length === 0) throw bad(id, 'needs a non-empty signals list');
  const names = new Set<string>();
  const signals = (list as unknown[]).map((item, index): PolicySignal => {
    const spec = (typeof item === 'object' && item !== null ? item : {}) as JsonObject;
    const { field, name, sampleRate, irregular, dtype, t0, unit, chunkLength } = spec;
    if (typeof field !== 'string' || field.length === 0)
      throw bad(id, `signals[${index}].field is missing`);
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw bad(id, `signals[${index}].name must be 1–200 characters`);
    }
    if (names.has(name)) throw bad(id, `two signals are named "${name}"`);
    names.add(name);
    if (irregular !== undefined && typeof irregular !== 'boolean') {
      throw bad(id, `signals[${index}].irregular must be true or false`);
    }
    if (irregular === true) {
      // An explicit choice: a policy that merely forgot its rate must not turn irregular.
      if (sampleRate !== undefined || t0 !== undefined) {
        throw bad(id, `signals[${index}] is irregular: it takes no sampleRate or t0`);
      }
    } else if (typeof sampleRate !== 'number' || !Number.isFinite(sampleRate) || sampleRate <= 0) {
      throw bad(
        id,
        `signals[${index}].sampleRate must be a positive number (samples per second), or set irregular: true`,
      );
    }
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') {
      throw bad(id, `signals[${index}].dtype must be float32 or float64`);
    }
    let t0Ms: number | undefined;
    if (t0 !== undefined) {
      t0Ms = typeof t0 === 'string' ? parseInstant(t0) : undefined;
      if (t0Ms === undefined) throw bad(id, `signals[${index}].t0 must be an ISO 8601 instant`);
    }
    if (
      chunkLength !== undefined &&
      (typeof chunkLength !== 'number' ||
        !Number.isInteger(Math.log2(chunkLength)) ||
        chunkLength < 2 ** 10 ||
        chunkLength > 2 ** 22)
    ) {
      throw bad(id, `signals[${index}].chunkLength must be a power of two from 2^10 to 2^22`);
    }
    if (unit !== undefined && typeof unit !== 'string')
      throw bad(id, `signals[${index}].unit must be text`);
    return {
      field,
      name,
      dtype: dtype ?? 'float32',
      sampleRate: irregular === true ? undefined : sampleRate,
      t0Ms,
      unit,
      chunkLength: chunkLength ?? INGEST_CHUNK_LENGTH,
    };
  });
  for (const signal of signals) {
    if (signal.sampleRate === undefined && names.has(irregularTimeName(signal.name))) {
      throw bad(id, `"${irregularTimeName(signal.name)}" is the time signal of "${signal.name}"`);
    }
  }
  const format = body.format;
  if (format !== undefined && typeof format !== 'string') throw bad(id, 'format must be text');
  const future = body.futureLimitSeconds;
  if (future !== undefined && (typeof future !== 'number' || !(future >= 0))) {
    throw bad(id, 'futureLimitSeconds must be a non-negative number');
  }
  const maxBody = body.maxBodyBytes;
  if (maxBody !== undefined && (typeof maxBody !== 'number' || !(maxBody > 0))) {
    throw bad(id, 'maxBodyBytes must be a positive number');
  }
  const { timeKey, timeFormat, tagKey } = body;
  if (timeKey !== undefined && timeKey !== false && typeof timeKey !== 'string') {
    throw bad(id, 'timeKey must be a field name or false');
  }
  if (timeFormat !== undefined && (typeof timeFormat !== 'string' || !isTimeFormat(timeFormat))) {
    throw bad(id, `timeFormat must be one of ${TIME_FORMATS.join(', ')}`);
  }
  if (tagKey !== undefined && typeof tagKey !== 'string')
    throw bad(id, 'tagKey must be a field name');
  return {
    id,
    datasetId,
    format,
    parse: {
      ...(timeKey === undefined ? {} : { timeKey }),
      ...(timeFormat === undefined ? {} : { timeFormat: timeFormat }),
      ...(tagKey === undefined ? {} : { tagKey }),
    },
    futureLimitMs: future === undefined ? DEFAULT_FUTURE_LIMIT_MS : future * 1000,
    maxBodyBytes: maxBody ?? DEFAULT_MAX_BODY_BYTES,
    signals,
  };
}

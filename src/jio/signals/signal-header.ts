// Creating and checking signal headers.
import {
  ChunkCodecError,
  type ChunkLayout,
  DEFAULT_CHUNK_LENGTH,
  defaultLayout,
  resolvedFillValue,
  validateLayout,
} from '../../shared/chunk/index.ts';
import { JioError } from '../errors.ts';
import { fromJsonNumber, toJsonNumber } from './json-number.ts';
import type { NewSignal, SignalHeader } from './types.ts';

function bad(message: string, reason = 'invalid_signal'): JioError {
  return new JioError('bad_request', message, { reason });
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0)
    throw bad(`${name} must be a non-empty string`);
  return value;
}

/** Validates what a caller asks for and fills in the defaults. */
export function newSignalHeader(spec: NewSignal): SignalHeader {
  if (typeof spec !== 'object' || (spec as unknown) === null)
    throw bad('A new signal must be an object');
  const datasetId = optionalString(spec.datasetId, 'datasetId');
  const name = optionalString(spec.name, 'name');
  if (datasetId === undefined || name === undefined)
    throw bad('A signal needs a datasetId and a name');
  const base = defaultLayout(spec.dtype ?? 'float32');
  let layout: ChunkLayout;
  try {
    layout = validateLayout({
      dtype: spec.dtype ?? 'float32',
      chunkLength: spec.chunkLength ?? DEFAULT_CHUNK_LENGTH,
      codecs: spec.codecs ?? base.codecs,
      ...(spec.fillValue === undefined ? {} : { fillValue: spec.fillValue }),
    });
  } catch (error) {
    if (error instanceof ChunkCodecError) throw bad(error.message, 'invalid_layout');
    throw error;
  }
  const t0 = optionalString(spec.t0, 't0');
  if (t0 !== undefined && Number.isNaN(Date.parse(t0)))
    throw bad(`t0 must be an ISO 8601 instant, not "${t0}"`);
  if (spec.sampleRate !== undefined && !(Number.isFinite(spec.sampleRate) && spec.sampleRate > 0)) {
    throw bad('sampleRate must be a positive number of samples per second');
  }
  const timeSignalId = optionalString(spec.timeSignalId, 'timeSignalId');
  if (timeSignalId !== undefined && spec.sampleRate !== undefined) {
    throw bad('A signal has either a sampleRate (regular) or a timeSignalId (irregular), not both');
  }
  const unit: unknown = spec.unit;
  if (unit !== undefined && typeof unit !== 'string') throw bad('unit must be a string');
  return {
    type: 'signal',
    datasetId,
    name,
    dtype: layout.dtype,
    chunkLength: layout.chunkLength,
    codecs: layout.codecs,
    fillValue: toJsonNumber(resolvedFillValue(layout)),
    length: 0,
    ...(t0 === undefined ? {} : { t0 }),
    ...(spec.sampleRate === undefined ? {} : { sampleRate: spec.sampleRate }),
    ...(timeSignalId === undefined ? {} : { timeSignalId }),
    ...(typeof unit === 'string' ? { unit } : {}),
  };
}

/** The header of a stored document, or 400 if the document is not a signal. */
export function asSignalHeader(id: string, doc: Record<string, unknown>): SignalHeader {
  if (
    doc.type !== 'signal' ||
    typeof doc.length !== 'number' ||
    typeof doc.chunkLength !== 'number'
  ) {
    throw bad(`Document "${id}" is not a signal`, 'not_a_signal');
  }
  return doc as unknown as SignalHeader;
}

export function layoutOf(header: SignalHeader): ChunkLayout {
  return {
    dtype: header.dtype,
    chunkLength: header.chunkLength,
    codecs: header.codecs,
    fillValue: fromJsonNumber(header.fillValue),
  };
}

// GET /api/datasets/:id/signals/:name — a slice of a signal or of one of its pyramid levels,
// streamed as Arrow IPC, .npy or CSV (docs/lake-api.md, "Reading"). The response is written
// chunk by chunk as the chunks are read from disk and verified, with the socket's
// backpressure, so the server holds a couple of chunks whatever the slice's length.
//
// Errors found before the first byte (unknown dataset, bad range, a corrupt first chunk) are
// the usual JSON envelope. A chunk found corrupt or missing later can no longer change the
// status: the stream is cut (no final chunk of a chunked body, or short of Content-Length),
// which every HTTP client reports as a failed transfer, and the fault is logged.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUser } from '../auth/auth-plugin.ts';
import { HttpError } from '../http/errors.ts';
import type { Lake } from '../lake.ts';
import { datasetSignals, visibleDataset } from './datasets.ts';
import { ARROW_CONTENT_TYPE, encodeArrow } from './slice/arrow.ts';
import { levelView, signalView, type LevelView, type SignalView } from './slice/arrays.ts';
import { CSV_CONTENT_TYPE, encodeCsv } from './slice/csv.ts';
import {
  chooseFormat,
  contentDisposition,
  SLICE_FORMATS,
  type SliceFormat,
  sliceFilename,
  splitSuffix,
} from './slice/format.ts';
import { encodeNpy, npyByteLength, NPY_CONTENT_TYPE } from './slice/npy.ts';
import { bucketRange, type SampleRange, sampleRange } from './slice/range.ts';
import { readRows, SliceReadError, type StoredArray } from './slice/rows.ts';
import type { RowBlock, SliceInfo } from './slice/types.ts';

interface SliceQuery {
  start?: string;
  end?: string;
  level?: number;
  format?: SliceFormat;
  time?: 'none' | 'iso';
}

const QUERY_KEYS: readonly string[] = ['start', 'end', 'level', 'format', 'time'];

/** Deepest level a request may name (level 25's one bucket covers any signal). */
const MAX_LEVEL = 25;

const bound = { type: 'string', minLength: 1, maxLength: 64 } as const;

const schema = {
  params: {
    type: 'object',
    required: ['id', 'name'],
    properties: {
      id: { type: 'string', minLength: 1 },
      name: { type: 'string', minLength: 1 },
    },
  },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      start: bound,
      end: bound,
      level: { type: 'integer', minimum: 0, maximum: MAX_LEVEL },
      format: { type: 'string', enum: SLICE_FORMATS },
      time: { type: 'string', enum: ['none', 'iso'] },
    },
  },
} as const;

const CONTENT_TYPES: Readonly<Record<SliceFormat, string>> = {
  arrow: ARROW_CONTENT_TYPE,
  npy: NPY_CONTENT_TYPE,
  csv: CSV_CONTENT_TYPE,
};

const ENCODERS = { arrow: encodeArrow, npy: encodeNpy, csv: encodeCsv } as const;

/** Bytes the response stream buffers ahead of the socket before it stops pulling chunks. */
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/**
 * The app's validator strips unknown query parameters instead of refusing them; a misspelt
 * `levle=3` must not silently answer the raw samples, so unknown names are refused here.
 */
async function refuseUnknownParameters(request: FastifyRequest): Promise<void> {
  requireUser(request);
  const query = request.query;
  if (typeof query !== 'object' || query === null) return;
  const unknown = Object.keys(query).filter((key) => !QUERY_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new HttpError(
      'bad_request',
      `Unknown query parameter ${unknown.map((key) => `"${key}"`).join(', ')} (known: ${QUERY_KEYS.join(', ')})`,
      { reason: 'invalid_request' },
    );
  }
}

function sliceFault(error: SliceReadError): HttpError {
  return new HttpError(
    'internal',
    'The lake could not read this signal: a stored chunk is missing or corrupt',
    { reason: error.code },
  );
}

/** The signal of the dataset called `name`, or with a format suffix, `name` without it. */
async function findSignal(
  lake: Lake,
  request: FastifyRequest<{ Params: { id: string; name: string } }>,
): Promise<{ signal: SignalView; levels: LevelView[]; suffix: SliceFormat | undefined }> {
  const principal = requireUser(request);
  const { id, name } = request.params;
  const dataset = await visibleDataset(lake, principal, id);
  const signals = await datasetSignals(lake, principal, dataset.id);
  const { base, format } = splitSuffix(name);
  // A signal whose own name ends in ".csv" is that signal, not a CSV of another one.
  const exact = signals.find(({ signal }) => signal.body.name === name);
  const found = exact ?? signals.find(({ signal }) => signal.body.name === base);
  if (found === undefined) throw new HttpError('not_found', `No signal "${name}" in "${id}"`);
  return {
    signal: signalView(found.signal),
    levels: found.levels.map(levelView),
    suffix: exact === undefined ? format : undefined,
  };
}

function timeBase(signal: SignalView, query: SliceQuery, format: SliceFormat) {
  if (query.time === 'none' || (query.time === undefined && format === 'npy')) return null;
  if (query.time === 'iso') {
    if (format === 'npy') {
      throw new HttpError('bad_request', '.npy has no time column: leave out time=iso', {
        reason: 'invalid_option',
      });
    }
    if (signal.time === null) {
      throw new HttpError(
        'bad_request',
        'time=iso needs a regular time base (t0 and sampleRate), which this signal has not',
        { reason: 'no_time_base' },
      );
    }
  }
  return signal.time;
}

/** The array, its rows and the slice description of a request. */
function plan(
  signal: SignalView,
  levels: readonly LevelView[],
  query: SliceQuery,
  format: SliceFormat,
): { array: StoredArray; info: SliceInfo; range: SampleRange; level: number } {
  const level = query.level ?? 0;
  if (level > signal.levels) {
    throw new HttpError(
      'bad_request',
      `level ${level} is beyond this signal's pyramid (levels 1 to ${signal.levels}; 0 is the raw samples)`,
      { reason: 'invalid_level' },
    );
  }
  const range = sampleRange(query, signal);
  const time = timeBase(signal, query, format);
  const metadata = new Map<string, string>([
    ['signalId', signal.id],
    ['name', signal.name],
    ['dtype', signal.dtype],
    ['level', String(level)],
    ['start', String(range.start)],
    ['end', String(range.end)],
  ]);
  if (signal.unit !== undefined) metadata.set('unit', signal.unit);
  if (signal.t0 !== undefined) metadata.set('t0', signal.t0);
  if (signal.sampleRate !== undefined) metadata.set('sampleRate', String(signal.sampleRate));
  if (level === 0) {
    metadata.set('bucketLength', '1');
    const info: SliceInfo = {
      kind: 'raw',
      dtype: signal.dtype,
      first: range.start,
      rows: range.end - range.start,
      samplesPerRow: 1,
      time,
      metadata,
    };
    return { array: signal.array, info, range, level };
  }
  const found = levels.find((candidate) => candidate.level === level);
  if (found === undefined) {
    throw new HttpError('not_found', `Level ${level} of signal "${signal.name}" is not stored`);
  }
  const buckets = bucketRange(range, found.bucketLength, found.length);
  metadata.set('bucketLength', String(found.bucketLength));
  metadata.set('firstBucket', String(buckets.first));
  const info: SliceInfo = {
    kind: 'level',
    dtype: found.dtype,
    first: buckets.first,
    rows: buckets.end - buckets.first,
    samplesPerRow: found.bucketLength,
    time,
    metadata,
  };
  return { array: found.array, info, range, level };
}

export function registerSliceRoute(app: FastifyInstance, lake: Lake): void {
  app.get<{ Params: { id: string; name: string }; Querystring: SliceQuery }>(
    '/api/datasets/:id/signals/:name',
    { schema, preValidation: refuseUnknownParameters },
    async (request, reply) => {
      const { signal, levels, suffix } = await findSignal(lake, request);
      const query = request.query;
      const format = chooseFormat({ suffix, query: query.format, accept: request.headers.accept });
      const { array, info, range, level } = plan(signal, levels, query, format);

      const rows = readRows(lake, array, info.first, info.first + info.rows);
      const logFault = (error: unknown) => {
        if (error instanceof SliceReadError) {
          request.log.error({ err: error, ...error.where }, `slice read failed: ${error.code}`);
        } else {
          request.log.error({ err: error }, 'slice stream failed');
        }
      };
      // Read the first chunk before answering, so that a fault there is still a clean 500.
      let first: IteratorResult<RowBlock>;
      try {
        first = await rows.next();
      } catch (error) {
        if (!(error instanceof SliceReadError)) throw error;
        logFault(error);
        throw sliceFault(error);
      }
      async function* blocks(): AsyncGenerator<RowBlock> {
        try {
          if (first.done === true) return;
          yield first.value;
          yield* rows;
        } catch (error) {
          logFault(error);
          throw error;
        } finally {
          // The client went away or the encoder failed: stop reading chunks.
          await rows.return(undefined);
        }
      }
      const body = Readable.from(ENCODERS[format](info, blocks()), {
        objectMode: false,
        highWaterMark: STREAM_HIGH_WATER_MARK,
      });

      reply
        .type(CONTENT_TYPES[format])
        .header(
          'content-disposition',
          contentDisposition(sliceFilename(signal.name, level, range, format)),
        )
        .header('fieldlake-slice-first', String(info.first))
        .header('fieldlake-slice-rows', String(info.rows));
      if (format === 'npy') reply.header('content-length', String(npyByteLength(info)));
      return reply.send(body);
    },
  );
}

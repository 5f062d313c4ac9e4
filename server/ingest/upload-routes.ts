// File uploads (issue 5): `POST /api/uploads?dataset=…&format=csv|wav|npy|arrow` streams a CSV,
// WAV, NumPy or Arrow file through the shared parsers into one signal per column — never whole
// in memory, whatever its size. A file that turns out malformed half-way leaves nothing
// visible: the signals it started are taken back.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseFile } from '../../src/shared/ingest/files/index.ts';
import { IngestParseError, type FileHeader } from '../../src/shared/ingest/types.ts';
import { parseInstant } from '../../src/shared/query/instant.ts';
import { requireUser } from '../auth/auth-plugin.ts';
import { canWrite, type Principal } from '../auth/principal.ts';
import { HttpError } from '../http/errors.ts';
import type { LakeWriter } from '../lake-context.ts';
import { ChunkPuts } from '../signals/chunk-puts.ts';
import { SignalWriter, type WriteSignalOptions } from '../signals/write-signal.ts';
import { visibleDataset } from '../read/datasets.ts';
import { policySignalId } from './policy.ts';

type UploadFormat = FileHeader['format'];

const byContentType: Record<string, UploadFormat> = {
  'text/csv': 'csv',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'application/x-npy': 'npy',
  'application/vnd.apache.arrow.stream': 'arrow',
};

interface UploadQuery {
  dataset: string;
  format?: UploadFormat;
  /** Prefix of the signal names (default: none: the column names). */
  prefix?: string;
  /** Time of the first row for rate-based files (WAV, npy with sampleRate). */
  t0?: string;
  /** Rows per second for files without a time base (npy, CSV without a time column). */
  sampleRate?: number;
}

function formatOf(request: FastifyRequest, query: UploadQuery): UploadFormat {
  if (query.format !== undefined) return query.format;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const format = type === undefined ? undefined : byContentType[type];
  if (format === undefined) {
    throw new HttpError(
      'bad_request',
      `Say the file's format with ?format=csv|wav|npy|arrow or a Content-Type (${Object.keys(byContentType).join(', ')}), not "${type ?? ''}"`,
      { reason: 'unknown_format' },
    );
  }
  return format;
}

export function registerUploadRoutes(app: FastifyInstance, writer: LakeWriter): void {
  const { lake } = writer;
  app.post<{ Querystring: UploadQuery }>(
    '/api/uploads',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['dataset'],
          properties: {
            dataset: { type: 'string', minLength: 1, maxLength: 1024 },
            format: { enum: ['csv', 'wav', 'npy', 'arrow'] },
            prefix: { type: 'string', maxLength: 200 },
            t0: { type: 'string', maxLength: 64 },
            sampleRate: { type: 'number', exclusiveMinimum: 0 },
          },
        },
      },
    },
    async (request, reply) => {
      const principal: Principal = requireUser(request);
      const query = request.query;
      const dataset = await visibleDataset(lake, principal, query.dataset);
      if (!canWrite(principal, dataset.site, 'signal')) {
        throw new HttpError('forbidden', `You may not add signals to "${dataset.id}"`);
      }
      const t0Ms = query.t0 === undefined ? undefined : parseInstant(query.t0);
      if (query.t0 !== undefined && t0Ms === undefined) {
        throw new HttpError('bad_request', `t0 must be an ISO 8601 instant, not "${query.t0}"`, {
          reason: 'invalid_request',
        });
      }
      const format = formatOf(request, query);
      const writers: SignalWriter[] = [];
      try {
        // apache-arrow is handed in: the shared parser declares only what it uses of it.
        const parsed = await parseFile(format, request.body as AsyncIterable<Uint8Array>, {
          ...(format === 'arrow' ? { arrow: { module: await import('apache-arrow') } } : {}),
        });
        const { header } = parsed;
        const names = header.columns.map((column) => `${query.prefix ?? ''}${column.name}`);
        for (const name of names) {
          const existing = await lake.meta.getDoc(policySignalId(dataset.id, name));
          if (existing !== undefined && !existing.deleted) {
            throw new HttpError(
              'conflict',
              `Dataset "${dataset.id}" already has a signal "${name}"`,
              {
                reason: 'exists',
              },
            );
          }
        }
        // One bound on the chunks being stored for all the columns together, however many.
        const options: WriteSignalOptions = { puts: new ChunkPuts(writer) };
        const rate = header.time.kind === 'rate' ? header.time.sampleRate : query.sampleRate;
        const t0 =
          t0Ms !== undefined
            ? new Date(t0Ms).toISOString()
            : header.time.kind === 'rate'
              ? header.time.t0
              : undefined;
        // A time column becomes a float64 signal of milliseconds that the others point to.
        const timeName =
          header.time.kind === 'column' ? `${query.prefix ?? ''}${header.time.column}` : undefined;
        const timeWriter =
          timeName === undefined
            ? undefined
            : new SignalWriter(
                writer,
                principal,
                policySignalId(dataset.id, timeName),
                {
                  datasetId: dataset.id,
                  name: timeName,
                  dtype: 'float64',
                  unit: 'ms since 1970-01-01T00:00:00Z',
                },
                options,
              );
        if (timeWriter !== undefined) writers.push(timeWriter);
        header.columns.forEach((column, index) => {
          const name = names[index] ?? column.name;
          writers.push(
            new SignalWriter(
              writer,
              principal,
              policySignalId(dataset.id, name),
              {
                datasetId: dataset.id,
                name,
                dtype: column.dtype,
                ...(column.unit === undefined ? {} : { unit: column.unit }),
                ...(timeWriter !== undefined
                  ? { timeSignalId: timeWriter.id }
                  : rate !== undefined
                    ? { sampleRate: rate, ...(t0 === undefined ? {} : { t0 }) }
                    : {}),
              },
              options,
            ),
          );
        });
        for (const signal of writers) await signal.start();
        const valueWriters = timeWriter === undefined ? writers : writers.slice(1);
        let rows = 0;
        for await (const block of parsed.blocks) {
          if (timeWriter !== undefined && block.time !== undefined)
            await timeWriter.push(block.time);
          for (const [index, values] of block.values.entries()) {
            await valueWriters[index]?.push(values);
          }
          rows += block.values[0]?.length ?? block.time?.length ?? 0;
        }
        const signals = [];
        for (const signal of writers) {
          const done = await signal.finish();
          signals.push({ id: signal.id, name: done.name, length: done.length, dtype: done.dtype });
        }
        return await reply.code(201).send({ dataset: dataset.id, format, rows, signals });
      } catch (error) {
        for (const signal of writers) await signal.discard().catch(() => undefined);
        if (error instanceof IngestParseError) {
          throw new HttpError('bad_request', error.message, { reason: 'malformed_file' });
        }
        throw error;
      }
    },
  );
}

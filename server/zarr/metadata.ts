// The zarr.json of each node of the lake's Zarr view (docs/lake-api.md, "The Zarr view"):
// a group per dataset, a 1-D array per signal, a group of 2-D pyramid level arrays per signal.
import {
  type ChunkLayout,
  validateLayout,
  zarrArrayMetadata,
} from '../../src/shared/chunk/index.ts';
import type { JsonObject } from '../meta/types.ts';

export const ROOT_GROUP = {
  zarr_format: 3,
  node_type: 'group',
  attributes: { fieldlake: { description: 'Fieldlake lake: a group per dataset' } },
} as const;

export function groupMetadata(attributes: JsonObject): object {
  return { zarr_format: 3, node_type: 'group', attributes };
}

/** The layout fields of a signal or pyramid-level document, or undefined if they are invalid. */
export function layoutOfDoc(body: JsonObject): ChunkLayout | undefined {
  try {
    const fill = body.fillValue;
    return validateLayout({
      dtype: body.dtype,
      chunkLength: body.chunkLength,
      codecs: body.codecs,
      ...(typeof fill === 'number'
        ? { fillValue: fill }
        : fill === 'NaN'
          ? { fillValue: Number.NaN }
          : fill === 'Infinity'
            ? { fillValue: Number.POSITIVE_INFINITY }
            : fill === '-Infinity'
              ? { fillValue: Number.NEGATIVE_INFINITY }
              : {}),
    });
  } catch {
    return undefined;
  }
}

function lengthOf(body: JsonObject): number {
  const length = body.length;
  return typeof length === 'number' && Number.isSafeInteger(length) && length >= 0 ? length : 0;
}

/** A signal: 1-D [length], chunk [chunkLength]; its unit and time base as attributes. */
export function signalArrayMetadata(layout: ChunkLayout, body: JsonObject, name: string): object {
  const attributes: JsonObject = {};
  for (const key of ['unit', 't0', 'sampleRate', 'timeSignalId', 'datasetId', 'name', 'levels']) {
    if (body[key] !== undefined) attributes[key] = body[key];
  }
  return {
    ...zarrArrayMetadata(layout, lengthOf(body)),
    dimension_names: [`${name}_sample`],
    attributes,
  };
}

/**
 * A pyramid level: 2-D [buckets, 4] (min, max, mean, count), chunk [chunkLength, 4]. The bucket
 * dimension is named per level: levels of one signal sit in one group with different bucket
 * counts, and readers that key dimensions by name (xarray) refuse one name with two sizes.
 */
export function levelArrayMetadata(layout: ChunkLayout, body: JsonObject, name: string): object {
  const base = zarrArrayMetadata(layout, lengthOf(body));
  const level = typeof body.level === 'number' ? body.level : 0;
  return {
    ...base,
    shape: [base.shape[0], 4],
    chunk_grid: {
      name: 'regular',
      configuration: { chunk_shape: [base.chunk_grid.configuration.chunk_shape[0], 4] },
    },
    dimension_names: [`${name}_level${level}_bucket`, 'statistic'],
    attributes: {
      level: body.level,
      bucketLength: body.bucketLength,
      columns: ['min', 'max', 'mean', 'count'],
      signalId: body.signalId,
    },
  };
}

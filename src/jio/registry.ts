// createStorage(spec): builds a storage tree from a plain JSON spec, through a registry value
// (no global: the app makes one, each test and each worker makes its own). Specs are data, so
// a worker can rebuild the same tree the page uses.
import type { QuerySchema } from '../shared/query/index.ts';
import { JioError } from './errors.ts';
import { MemoryStorage, createMemoryData, type MemoryData } from './storages/memory.ts';
import { QueryStorage } from './storages/query.ts';
import type { Storage } from './types.ts';

export interface MemorySpec {
  type: 'memory';
  /** Storages of one registry with the same name share data (default "default"). */
  name?: string;
}

export interface QuerySpec {
  type: 'query';
  sub: StorageSpec;
  /** Fields compared as date-time/number/string (jIO's key schema). */
  schema?: QuerySchema;
}

export interface GenericSpec {
  type: string;
  [key: string]: unknown;
}

export type StorageSpec = MemorySpec | QuerySpec | GenericSpec;

export interface FactoryContext {
  /** Builds a child storage from its spec (wrapper storages call it for `sub`). */
  create(spec: unknown): Storage;
}

export type StorageFactory = (
  spec: Readonly<Record<string, unknown>>,
  context: FactoryContext,
) => Storage;

export interface StorageRegistry {
  /** Adds a storage type; registering a type twice is an error. */
  register(type: string, factory: StorageFactory): void;
  has(type: string): boolean;
  /** Builds the storage tree the spec describes. Bad or unknown specs answer 400. */
  create(spec: unknown): Storage;
}

export function createStorageRegistry(): StorageRegistry {
  const factories = new Map<string, StorageFactory>();
  const registry: StorageRegistry = {
    register(type, factory) {
      if (factories.has(type)) {
        throw new JioError('bad_request', `Storage type "${type}" is already registered`, {
          reason: 'duplicate_storage',
        });
      }
      factories.set(type, factory);
    },
    has: (type) => factories.has(type),
    create(spec) {
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
        throw new JioError('bad_request', 'A storage spec must be an object with a "type"', {
          reason: 'invalid_spec',
        });
      }
      const type = (spec as { type?: unknown }).type;
      if (typeof type !== 'string') {
        throw new JioError('bad_request', 'A storage spec needs a string "type"', {
          reason: 'invalid_spec',
        });
      }
      const factory = factories.get(type);
      if (factory === undefined) {
        throw new JioError(
          'bad_request',
          `Unknown storage type "${type}"; known: ${[...factories.keys()].join(', ')}`,
          {
            reason: 'unknown_storage',
          },
        );
      }
      return factory(spec as Record<string, unknown>, { create: (sub) => registry.create(sub) });
    },
  };
  return registry;
}

/** Registers `memory` (with its own data, shared by name within this registry) and `query`. */
export function registerCoreStorages(registry: StorageRegistry): void {
  const memory = new Map<string, MemoryData>();
  registry.register('memory', (spec) => {
    const name = spec.name ?? 'default';
    if (typeof name !== 'string') {
      throw new JioError('bad_request', 'memory: "name" must be a string', {
        reason: 'invalid_spec',
      });
    }
    let data = memory.get(name);
    if (data === undefined) {
      data = createMemoryData();
      memory.set(name, data);
    }
    return new MemoryStorage(data);
  });
  registry.register('query', (spec, context) => {
    if (spec.sub === undefined) {
      throw new JioError('bad_request', 'query: a "sub" storage spec is required', {
        reason: 'invalid_spec',
      });
    }
    return new QueryStorage(context.create(spec.sub), checkSchema(spec.schema));
  });
}

function checkSchema(schema: unknown): QuerySchema {
  if (schema === undefined) return {};
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new JioError('bad_request', 'query: "schema" must be an object of {field: {type}}', {
      reason: 'invalid_spec',
    });
  }
  for (const [field, rule] of Object.entries(schema)) {
    const type = (rule as { type?: unknown } | null)?.type;
    if (type !== 'date-time' && type !== 'number' && type !== 'string') {
      throw new JioError(
        'bad_request',
        `query: schema of "${field}" must have type date-time, number or string`,
        {
          reason: 'invalid_spec',
        },
      );
    }
  }
  return schema as QuerySchema;
}

/** Shorthand: build spec with registry. */
export function createStorage(spec: StorageSpec, registry: StorageRegistry): Storage {
  return registry.create(spec);
}

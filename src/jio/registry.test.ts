import { describe, expect, it } from 'vitest';
import { JioError } from './errors.ts';
import { createStorageRegistry, registerCoreStorages } from './registry.ts';

function registry() {
  const r = createStorageRegistry();
  registerCoreStorages(r);
  return r;
}

describe('createStorage', () => {
  it('builds a tree from a JSON spec', async () => {
    const storage = registry().create({ type: 'query', sub: { type: 'memory' } });
    await storage.put('a', { v: 1 });
    expect(storage.hasCapacity('query')).toBe(true);
    expect((await storage.allDocs({ query: 'v: 1' })).data.rows.map((r) => r.id)).toEqual(['a']);
  });

  it('shares memory data by name within one registry, never across registries', async () => {
    const one = registry();
    await one.create({ type: 'memory', name: 'shared' }).put('a', { v: 1 });
    expect(await one.create({ type: 'memory', name: 'shared' }).get('a')).toMatchObject({ v: 1 });
    await expect(one.create({ type: 'memory', name: 'other' }).get('a')).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      registry().create({ type: 'memory', name: 'shared' }).get('a'),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it.each([
    [null, 'invalid_spec'],
    [[], 'invalid_spec'],
    [{}, 'invalid_spec'],
    [{ type: 3 }, 'invalid_spec'],
    [{ type: 'nope' }, 'unknown_storage'],
    [{ type: 'query' }, 'invalid_spec'],
    [{ type: 'query', sub: { type: 'nope' } }, 'unknown_storage'],
    [{ type: 'memory', name: 4 }, 'invalid_spec'],
    [
      { type: 'query', sub: { type: 'memory' }, schema: { when: { type: 'calendar' } } },
      'invalid_spec',
    ],
  ])('refuses the spec %j with 400 (%s)', (spec, reason) => {
    const error = (() => {
      try {
        registry().create(spec);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JioError);
    expect(error).toMatchObject({ code: 'bad_request', status: 400, details: { reason } });
  });

  it('refuses to register a type twice', () => {
    const r = registry();
    expect(() => {
      r.register('memory', () => r.create({ type: 'memory' }));
    }).toThrow(/already registered/);
  });

  it('uses the schema to compare dates as instants', async () => {
    const storage = registry().create({
      type: 'query',
      sub: { type: 'memory' },
      schema: { at: { type: 'date-time' } },
    });
    await storage.put('early', { at: '2026-01-01T00:00:00Z' });
    await storage.put('late', { at: '2026-01-01T02:00:00+01:00' });
    const { data } = await storage.allDocs({ query: 'at: > "2026-01-01T00:30:00Z"' });
    expect(data.rows.map((r) => r.id)).toEqual(['late']);
  });
});

import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../shared/query/index.ts';
import { createStorageRegistry, registerCoreStorages } from '../../registry.ts';
import { registerIndexedDbStorage } from './index.ts';
import { typeEquality } from './type-pushdown.ts';

describe('typeEquality', () => {
  it.each([
    ['type: annotation', 'annotation'],
    ['type: "annotation" AND severity: >= 2', 'annotation'],
    ['severity: >= 2 AND type: = "pump"', 'pump'],
    ['(type: site)', 'site'],
    ['type: "anno%"', undefined],
    ['type: "a\\\\b"', undefined],
    ['type: annotation OR type: site', undefined],
    ['NOT type: annotation', undefined],
    ['type: > a', undefined],
    ['kind: annotation', undefined],
    ['annotation', undefined],
  ])('%s → %s', (query, expected) => {
    expect(typeEquality(parseQuery(query))).toBe(expected);
  });
});

describe('queries through the type index', () => {
  it('give the same rows as a full scan, also for documents whose type is not a string', async () => {
    const registry = createStorageRegistry();
    registerCoreStorages(registry);
    registerIndexedDbStorage(registry, { indexedDB: new IDBFactory(), IDBKeyRange });
    const indexed = registry.create({ type: 'indexeddb', database: 'pushdown' });
    const scanned = registry.create({ type: 'query', sub: { type: 'memory' } });
    const docs: [string, Record<string, unknown>][] = [
      ['a', { type: 'annotation', severity: 3 }],
      ['b', { type: 'annotation', severity: 1 }],
      ['c', { type: ['annotation', 'photo'], severity: 5 }],
      ['d', { type: 3, severity: 4 }],
      ['e', { severity: 9 }],
      ['f', { type: 'site', severity: 9 }],
      ['g', { type: 'Annotation', severity: 9 }],
    ];
    for (const [id, doc] of docs) {
      await indexed.put(id, doc);
      await scanned.put(id, doc);
    }
    await indexed.remove('b');
    await scanned.remove('b');
    for (const query of [
      'type: annotation',
      'type: "annotation" AND severity: >= 2',
      'type: 3',
      'type: = site',
    ]) {
      const options = {
        query,
        sort_on: [['severity', 'descending']] as [string, 'descending'][],
        include_docs: true,
      };
      const [fromIndex, fromScan] = await Promise.all([
        indexed.allDocs(options),
        scanned.allDocs(options),
      ]);
      expect(
        fromIndex.data.rows.map((r) => r.id),
        query,
      ).toEqual(fromScan.data.rows.map((r) => r.id));
    }
    expect(
      (await indexed.allDocs({ query: 'type: annotation' })).data.rows.map((r) => r.id),
    ).toEqual(['a', 'c']);
    await indexed.close();
  });
});

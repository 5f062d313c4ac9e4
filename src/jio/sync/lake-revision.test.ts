// The device computes the same revision as the lake, for writes, re-creations and deletions.
/* eslint-disable fieldlake/import-boundaries -- the lake's rule is the reference here */
import { nextRevision } from '../../../server/docs/revision.ts';
/* eslint-enable fieldlake/import-boundaries */
import { describe, expect, it } from 'vitest';
import { lakeRevision } from './lake-revision.ts';

describe('lake revision', () => {
  it('matches the lake for new documents, updates and deletions', async () => {
    const bodies = [
      { type: 'note', text: 'é ✓ "quoted"', n: 1.5, list: [1, { b: 2, a: [null, true] }] },
      { z: 1, a: { y: 2, x: 3 } },
      {},
    ];
    let previous: string | null = null;
    for (const body of bodies) {
      expect(await lakeRevision(previous, body, false)).toBe(nextRevision(previous, body, false));
      previous = nextRevision(previous, body, false);
    }
    expect(await lakeRevision(previous, undefined, true)).toBe(nextRevision(previous, {}, true));
  });
});

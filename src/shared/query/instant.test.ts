import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseInstant } from './instant.ts';

describe('parseInstant', () => {
  const valid: [string, string][] = [
    ['2026', '2026-01-01T00:00:00.000Z'],
    ['2026-03', '2026-03-01T00:00:00.000Z'],
    ['2026-03-04', '2026-03-04T00:00:00.000Z'],
    ['2026-03-04T05:06', '2026-03-04T05:06:00.000Z'],
    ['2026-03-04 05:06:07', '2026-03-04T05:06:07.000Z'],
    ['2026-03-04t05:06:07.123z', '2026-03-04T05:06:07.123Z'],
    ['2026-03-04T05:06:07,5+02:00', '2026-03-04T03:06:07.500Z'],
    ['2026-03-04T05:06:07-0230', '2026-03-04T07:36:07.000Z'],
    ['2026-03-04T05:06:07+01', '2026-03-04T04:06:07.000Z'],
    ['0001-01-01', '0001-01-01T00:00:00.000Z'],
    ['0099-12-31', '0099-12-31T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['+010000-01-01', '+010000-01-01T00:00:00.000Z'],
    ['-000001-01-01', '-000001-01-01T00:00:00.000Z'],
  ];
  it.each(valid)('%s is %s', (text, iso) => {
    expect(parseInstant(text)).toBe(Date.parse(iso));
  });

  it('keeps sub-millisecond digits as a fraction', () => {
    expect(parseInstant('1970-01-01T00:00:00.0005Z')).toBeCloseTo(0.5, 9);
  });

  it.each([
    '',
    '26',
    '2026-1-01',
    '2026-00-01',
    '2026-13-01',
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-01-01T24:00',
    '2026-01-01T23:60',
    '2026-01-01T23:59:60',
    '2026-01-01T00:00+24:00',
    '2026-01-01T00',
    '2026-01-01Z',
    '-000000-01-01',
    'Thu, 01 Jan 2026 00:00:00 GMT',
    '2026-01-01T00:00:00Z ',
  ])('%j is not an instant', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('agrees with Date for every UTC date-time Date can print', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
        (date) => {
          expect(parseInstant(date.toISOString())).toBe(date.getTime());
        },
      ),
    );
  });
});

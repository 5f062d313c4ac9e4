// Time rules: the hand-written date-time reader agrees with the general ISO 8601 one, the range,
// collectd's cdtime_t and EventTime.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../query/instant.ts';
import {
  EventTime,
  MAX_TIME_MS,
  collectdTimeMs,
  inRange,
  parseTimeString,
  timeOfValue,
} from './time.ts';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

describe('parseTimeString', () => {
  it('reads what fluent-bit and fluentd write', () => {
    // fluent-bit iso8601 and java_sql_timestamp (UTC), fluentd Time#iso8601 (local offset).
    expect(parseTimeString('2026-11-22T05:44:00.000001Z')).toBe(
      Date.UTC(2026, 10, 22, 5, 44) + 0.001,
    );
    expect(parseTimeString('2026-11-22 05:44:01.999999')).toBe(
      Date.UTC(2026, 10, 22, 5, 44, 1) + 999.999,
    );
    expect(parseTimeString('2026-11-22T06:44:30+01:00')).toBe(Date.UTC(2026, 10, 22, 5, 44, 30));
    expect(parseTimeString('2026-11-22T06:44:30+0100')).toBe(Date.UTC(2026, 10, 22, 5, 44, 30));
    expect(parseTimeString('2026-11-22T02:44:30-03')).toBe(Date.UTC(2026, 10, 22, 5, 44, 30));
  });

  it('falls back to the general reader for other ISO 8601 shapes', () => {
    expect(parseTimeString('2026-11-22')).toBe(Date.UTC(2026, 10, 22));
    expect(parseTimeString('2026-11-22T05:44')).toBe(Date.UTC(2026, 10, 22, 5, 44));
    expect(parseTimeString('1969-12-31T23:59:59Z')).toBe(-1000);
  });

  it.each([
    '',
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T05:44:00.Z',
    '2026-11-22T05:44:00Zjunk',
    '2026-11-22T05:44:00+25:00',
    '1795326222',
  ])('refuses %j', (text) => {
    expect(parseTimeString(text)).toBeUndefined();
  });

  it('agrees with parseInstant on every date-time', () => {
    const text = fc
      .record({
        year: fc.integer({ min: 1900, max: 2199 }),
        month: fc.integer({ min: 0, max: 13 }),
        day: fc.integer({ min: 0, max: 32 }),
        hour: fc.integer({ min: 0, max: 25 }),
        minute: fc.integer({ min: 0, max: 60 }),
        second: fc.integer({ min: 0, max: 60 }),
        separator: fc.constantFrom('T', ' ', 't', '_'),
        fraction: fc.option(fc.stringMatching(/^[0-9]{0,12}$/), { nil: undefined }),
        mark: fc.constantFrom('.', ','),
        zone: fc.constantFrom('', 'Z', 'z', '+01:00', '-0930', '+05', '+24:00', 'X'),
      })
      .map(
        (t) =>
          `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}${t.separator}${pad(t.hour)}:` +
          `${pad(t.minute)}:${pad(t.second)}${t.fraction === undefined ? '' : t.mark + t.fraction}${t.zone}`,
      );
    fc.assert(
      fc.property(text, (value) => {
        expect(Object.is(parseTimeString(value), parseInstant(value))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('time values', () => {
  it('reads numbers as seconds, or milliseconds for epoch_ms', () => {
    expect(timeOfValue(1795326222.5, 'double')).toBe(1795326222500);
    expect(timeOfValue(1795326222, 'unixtime')).toBe(1795326222000);
    expect(timeOfValue(1795326222500, 'epoch_ms')).toBe(1795326222500);
    expect(timeOfValue('2026-11-22T05:43:42.5Z', 'double')).toBe(
      Date.UTC(2026, 10, 22, 5, 43, 42, 500),
    );
    expect(timeOfValue(new EventTime(1795326222, 500_000_001), 'float')).toBe(
      1795326222 * 1000 + 500_000_001 / 1e6,
    );
    expect(timeOfValue(Number.NaN, 'double')).toBeUndefined();
    expect(timeOfValue(true, 'double')).toBeUndefined();
    expect(timeOfValue(null, 'double')).toBeUndefined();
  });

  it('reads collectd seconds and cdtime_t', () => {
    expect(collectdTimeMs(1795326222.366)).toBe(1795326222.366 * 1000);
    expect(collectdTimeMs(1795326222 * 2 ** 30 + 2 ** 29)).toBe(1795326222500);
  });

  it('accepts 1970-01-01 up to, not including, 2100-01-01', () => {
    expect(MAX_TIME_MS).toBe(Date.parse('2100-01-01T00:00:00Z'));
    expect(inRange(0)).toBe(true);
    expect(inRange(-0.001)).toBe(false);
    expect(inRange(MAX_TIME_MS - 0.001)).toBe(true);
    expect(inRange(MAX_TIME_MS)).toBe(false);
    expect(inRange(Number.NaN)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors.ts';
import {
  chooseFormat,
  contentDisposition,
  formatFromAccept,
  sliceFilename,
  splitSuffix,
} from './format.ts';

describe('slice format', () => {
  it('reads a format suffix off the name', () => {
    expect(splitSuffix('vibration.npy')).toEqual({ base: 'vibration', format: 'npy' });
    expect(splitSuffix('a.b.csv')).toEqual({ base: 'a.b', format: 'csv' });
    expect(splitSuffix('x.arrow')).toEqual({ base: 'x', format: 'arrow' });
    expect(splitSuffix('x.parquet')).toEqual({ base: 'x.parquet', format: undefined });
  });

  it('picks the Accept type with the highest q, ignoring unknown ones', () => {
    expect(formatFromAccept(undefined)).toBeUndefined();
    expect(formatFromAccept('text/html,*/*')).toBeUndefined();
    expect(formatFromAccept('text/csv')).toBe('csv');
    expect(formatFromAccept('Application/X-NPY; q=0.5, text/csv;q=0.9')).toBe('csv');
    expect(formatFromAccept('application/vnd.apache.arrow.stream, text/csv')).toBe('arrow');
    expect(formatFromAccept('text/csv;q=0')).toBeUndefined();
  });

  it('prefers the suffix, then the query, then Accept, then Arrow', () => {
    expect(chooseFormat({ suffix: 'npy', query: undefined, accept: 'text/csv' })).toBe('npy');
    expect(chooseFormat({ suffix: undefined, query: 'csv', accept: 'application/x-npy' })).toBe(
      'csv',
    );
    expect(chooseFormat({ suffix: undefined, query: undefined, accept: 'application/x-npy' })).toBe(
      'npy',
    );
    expect(chooseFormat({ suffix: undefined, query: undefined, accept: '*/*' })).toBe('arrow');
    expect(chooseFormat({ suffix: 'csv', query: 'csv', accept: undefined })).toBe('csv');
    expect(() => chooseFormat({ suffix: 'csv', query: 'npy', accept: undefined })).toThrow(
      HttpError,
    );
  });

  it('names the file after the signal, level and range, safely quoted', () => {
    expect(sliceFilename('rpm', 0, { start: 0, end: 10 }, 'csv')).toBe('rpm.0-10.csv');
    expect(sliceFilename('rpm', 2, { start: 5, end: 9 }, 'npy')).toBe('rpm.level2.5-9.npy');
    expect(contentDisposition('a "b"\\ é\n.csv')).toBe(
      `attachment; filename="a__b_____.csv"; filename*=UTF-8''a%20%22b%22%5C%20%C3%A9%0A.csv`,
    );
  });
});

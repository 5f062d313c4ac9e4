// The lake's API version, as the connectivity indicator reads it from /api/health.
import { describe, expect, it } from 'vitest';
import { API_VERSION, API_VERSION_HEADER } from '../../shared/wire/api.ts';
import { probeLake, versionStatus } from './connectivity-status.ts';

function answering(status: number, version: string | null): typeof fetch {
  return () =>
    Promise.resolve(
      new Response('{}', {
        status,
        headers: version === null ? {} : { [API_VERSION_HEADER]: version },
      }),
    );
}

describe('lake version', () => {
  it('tells an older and a newer lake apart from a matching one', () => {
    expect(versionStatus(String(API_VERSION))).toBe('online');
    expect(versionStatus(String(API_VERSION - 1))).toBe('lake-too-old');
    expect(versionStatus(String(API_VERSION + 1))).toBe('lake-too-new');
  });

  it('probeLake reports the version mismatch, and unreachable on errors', async () => {
    const signal = new AbortController().signal;
    expect(await probeLake(answering(200, String(API_VERSION + 1)), signal)).toBe('lake-too-new');
    expect(await probeLake(answering(200, String(API_VERSION)), signal)).toBe('online');
    expect(await probeLake(answering(502, null), signal)).toBe('unreachable');
    const failing: typeof fetch = () => Promise.reject(new TypeError('network'));
    expect(await probeLake(failing, signal)).toBe('unreachable');
  });
});

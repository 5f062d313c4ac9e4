import { describe, expect, it } from 'vitest';
import { takeResponses } from './load.ts';

const body = '{"status":"ok"}';
const response = `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n${body}`;

describe('takeResponses', () => {
  it('counts complete responses and keeps the partial rest', () => {
    expect(takeResponses(response + response.slice(0, 20), body)).toEqual({
      count: 1,
      rest: response.slice(0, 20),
    });
    expect(takeResponses(response.slice(0, -1), body).count).toBe(0);
  });

  it('rejects errors, chunked responses and wrong bodies', () => {
    expect(() =>
      takeResponses(response.replace('200 OK', '500 Internal Server Error'), body),
    ).toThrow(/unexpected response/);
    expect(() =>
      takeResponses(response.replace(/content-length: \d+/, 'transfer-encoding: chunked'), body),
    ).toThrow(/Content-Length/);
    expect(() => takeResponses(response.replace('"ok"', '"no"'), body)).toThrow(/unexpected body/);
  });
});

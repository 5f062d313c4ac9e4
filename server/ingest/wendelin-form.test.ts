// The form body of old Wendelin clients: the data_chunk field percent-decoded to its bytes.
import { describe, expect, it } from 'vitest';
import { wendelinFormChunk } from './wendelin-form.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('wendelinFormChunk', () => {
  it('decodes every byte value, + as a space, among other fields', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const encoded = Array.from(all, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    expect(wendelinFormChunk(bytes(`a=1&data_chunk=${encoded}&b=2`))).toEqual(all);
    expect(wendelinFormChunk(bytes('data_chunk=x+y%2B'))).toEqual(bytes('x y+'));
    expect(wendelinFormChunk(bytes('data%5Fchunk=ok'))).toEqual(bytes('ok'));
    expect(wendelinFormChunk(bytes('data_chunk='))).toEqual(new Uint8Array(0));
    expect(wendelinFormChunk(bytes('data_chunk'))).toEqual(new Uint8Array(0));
  });

  it('names the byte of a malformed escape, and a missing field', () => {
    expect(() => wendelinFormChunk(bytes('data_chunk=ab%zz'))).toThrow(/percent escape.*byte 13/);
    expect(() => wendelinFormChunk(bytes('data_chunk=ab%4'))).toThrow(/percent escape/);
    expect(() => wendelinFormChunk(bytes('a=1&b=2'))).toThrow(/no "data_chunk" field/);
    expect(() => wendelinFormChunk(new Uint8Array(0))).toThrow(/no "data_chunk" field/);
  });
});

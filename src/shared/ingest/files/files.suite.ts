// Test support for the file parsers: bodies split into chunks, a parse collected into plain
// arrays, and the fixtures written by fixtures/make_fixtures.py.
/* eslint-disable fieldlake/import-boundaries -- Node-only test support: reads fixture files */
import { readFile } from 'node:fs/promises';
/* eslint-enable fieldlake/import-boundaries */
import { expect } from 'vitest';
import { IngestParseError, type FileHeader, type ParsedFile } from '../types.ts';
import expectedJson from './fixtures/expected.json' with { type: 'json' };

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export interface Expected {
  wav: Record<
    string,
    {
      sampleRate: number;
      dtype: string;
      rows: number | null;
      channels: number;
      values: JsonNumber[][];
    }
  >;
  npy: Record<string, { dtype: string; rows: number; values: JsonNumber[][]; columns?: string[] }>;
  npyRefused: Record<string, string>;
}

export const expected = expectedJson as Expected;

export function tokenNumber(token: JsonNumber): number {
  if (token === 'NaN') return Number.NaN;
  if (token === 'Infinity') return Number.POSITIVE_INFINITY;
  if (token === '-Infinity') return Number.NEGATIVE_INFINITY;
  return token;
}

export async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** `bytes` as a body cut at the given offsets (sorted, clamped, duplicates give empty chunks). */
export async function* chunked(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const end = Math.max(at, Math.min(bytes.length, cut));
    // A copy per chunk: the parser must not rely on chunks being views of one buffer.
    yield bytes.slice(at, end);
    at = end;
  }
  yield bytes.slice(at);
}

/** `bytes` in chunks of `size` bytes. */
export async function* everyN(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  for (let at = 0; at < bytes.length; at += size) yield bytes.slice(at, at + size);
}

export function text(csv: string): Uint8Array {
  return new TextEncoder().encode(csv);
}

export interface Collected {
  header: FileHeader;
  /** Row count of each block. */
  blocks: number[];
  /** Each column, all blocks joined, as plain numbers; and its typed-array kind. */
  columns: number[][];
  kinds: string[];
  time?: number[];
}

/** Reads a whole parse into plain arrays (blocks checked for equal lengths on the way). */
export async function collect(parsed: ParsedFile | Promise<ParsedFile>): Promise<Collected> {
  const { header, blocks } = await parsed;
  const out: Collected = {
    header,
    blocks: [],
    columns: header.columns.map(() => []),
    kinds: header.columns.map(() => ''),
  };
  for await (const block of blocks) {
    const rows = block.values[0]?.length ?? block.time?.length ?? 0;
    expect(block.values).toHaveLength(header.columns.length);
    out.blocks.push(rows);
    block.values.forEach((column, c) => {
      expect(column.length).toBe(rows);
      expect(column.byteOffset).toBe(0);
      expect(column.byteLength).toBe(column.buffer.byteLength);
      out.columns[c]?.push(...Array.from(column));
      out.kinds[c] = column.constructor.name;
    });
    if (block.time !== undefined) {
      expect(block.time.length).toBe(rows);
      (out.time ??= []).push(...Array.from(block.time));
    } else {
      expect(header.time.kind).not.toBe('column');
    }
  }
  return out;
}

/** Runs `run` and returns the IngestParseError it rejects with (failing when it does not). */
export async function parseError(run: () => Promise<unknown>): Promise<IngestParseError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof IngestParseError) return error;
    throw error;
  }
  throw new Error('expected an IngestParseError, but the parse succeeded');
}

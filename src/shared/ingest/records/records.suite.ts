// Test support for the record parsers: the fixture cases written by fixtures/make_fixtures.py,
// bodies cut into chunks, and a parse collected into one outcome (records, or the error).
/* eslint-disable fieldlake/import-boundaries -- Node-only test support: reads fixture files,
   and forces garbage collection so memory tests measure what is retained */
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
/* eslint-enable fieldlake/import-boundaries */
import { IngestParseError, type IngestFormat, type IngestRecord } from '../types.ts';
import { parseRecords, type RecordParseOptions } from './index.ts';
import casesJson from './fixtures/cases.json' with { type: 'json' };

export interface FixtureCase {
  name: string;
  file: string;
  format: IngestFormat;
  options: RecordParseOptions;
  provenance?: string;
  request?: { contentType: string; userAgent?: string; query?: Record<string, string> };
  records?: IngestRecord[];
  error?: { message: string; at: { line?: number; offset?: number } };
}

const loaded = casesJson as unknown as { receivedAt: number; cases: FixtureCase[] };

/** The receive time every case parses with (records without a time get it). */
export const RECEIVED_AT = loaded.receivedAt;
export const fixtureCases: readonly FixtureCase[] = loaded.cases;

export async function fixtureBytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL(`./fixtures/${file}`, import.meta.url)));
}

/** `bytes` as a body cut at `cuts` (any order; out-of-range and repeated cuts give empty chunks). */
export async function* chunked(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
): AsyncGenerator<Uint8Array> {
  const sorted = [...cuts].map((cut) => Math.max(0, Math.min(bytes.length, cut)));
  sorted.sort((a, b) => a - b);
  let start = 0;
  for (const cut of sorted) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

/** `bytes` in chunks of `size` bytes. */
export async function* everyBytes(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export type Outcome =
  | { records: IngestRecord[]; batches: number[] }
  | { error: { message: string; at: { line?: number; offset?: number } } };

/** Every record of a parse, or the IngestParseError it ended with (anything else is rethrown). */
export async function outcome(
  format: IngestFormat,
  body: AsyncIterable<Uint8Array>,
  options: RecordParseOptions = {},
): Promise<Outcome> {
  const records: IngestRecord[] = [];
  const batches: number[] = [];
  try {
    for await (const batch of parseRecords(format, body, { receivedAt: RECEIVED_AT, ...options })) {
      batches.push(batch.length);
      records.push(...batch);
    }
  } catch (error) {
    if (error instanceof IngestParseError) {
      return { error: { message: error.message, at: { ...error.at } } };
    }
    throw error;
  }
  return { records, batches };
}

/** Iterates a parse to its end; the number of records. */
export async function drain(batches: AsyncIterable<IngestRecord[]>): Promise<number> {
  let count = 0;
  for await (const batch of batches) count += batch.length;
  return count;
}

/** Only the records (batch boundaries depend on the chunking). */
export function withoutBatches(result: Outcome): Outcome {
  return 'records' in result ? { records: result.records, batches: [] } : result;
}

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

let gc: (() => void) | undefined;

/** Runs a full garbage collection (V8's `gc`, exposed for this process on first use). */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

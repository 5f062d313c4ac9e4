// Bounded memory: a 100 MB NDJSON stream (fluent-bit json_lines, as a collector posting a big
// backlog) and a 50 MB msgpack stream parse while what stays reachable is a few MB, because only
// the unparsed tail of a chunk and one batch are held. A parser that kept the body or its records
// would retain several hundred MB here.
import { Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { IngestRecord } from '../types.ts';
import { parseFluentBitJsonLines, parseFluentBitMsgpack } from './index.ts';
import { collectGarbage } from './records.suite.ts';

const MB = 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** `block` repeated to at least `bytes` (whole blocks), in chunks of about 64 KiB cut anywhere. */
async function* repeated(block: Uint8Array, bytes: number): AsyncGenerator<Uint8Array> {
  const total = Math.ceil(bytes / block.length) * block.length;
  let sent = 0;
  let at = 0;
  while (sent < total) {
    const size = Math.min(CHUNK_BYTES + (sent % 7), total - sent);
    const chunk = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const take = Math.min(size - filled, block.length - at);
      chunk.set(block.subarray(at, at + take), filled);
      filled += take;
      at = (at + take) % block.length;
    }
    sent += size;
    yield chunk;
  }
}

interface Sample {
  seconds: number;
  record: Record<string, unknown>;
}

/** A few chunks' worth of distinct records, repeated: generating the body is not measured. */
function samples(): Sample[] {
  const list: Sample[] = [];
  for (let i = 0; i < 4000; i++) {
    list.push({
      seconds: 1_795_326_222 + i,
      record: {
        cpu_p: (i % 97) / 4,
        sensor: { id: `vib-${i % 8}`, axis: { x: (i % 13) / 100, y: -0.02 } },
        log: `sample ${i} of the vibration sensor on the gearbox bearing`,
      },
    });
  }
  return list;
}

function ndjsonStream(bytes: number): AsyncGenerator<Uint8Array> {
  const text = samples()
    .map(({ seconds, record }) => `${JSON.stringify({ date: seconds + 0.123, ...record })}\n`)
    .join('');
  return repeated(new TextEncoder().encode(text), bytes);
}

class Time {
  constructor(readonly seconds: number) {}
}

function msgpackStream(bytes: number): AsyncGenerator<Uint8Array> {
  const extensionCodec = new ExtensionCodec();
  extensionCodec.register({
    type: 0,
    encode: (value) => {
      if (!(value instanceof Time)) return null;
      const data = new Uint8Array(8);
      new DataView(data.buffer).setUint32(0, value.seconds);
      return data;
    },
    decode: () => null,
  });
  const encoder = new Encoder({ extensionCodec });
  const parts = samples().map(({ seconds, record }) =>
    encoder.encode([[new Time(seconds), {}], record]),
  );
  const block = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    block.set(part, at);
    at += part.length;
  }
  return repeated(block, bytes);
}

/**
 * Parses to the end, sampling memory after a forced collection every 32 batches: what the parse
 * retains (its queue, its batch, anything it wrongly keeps), not garbage awaiting collection.
 */
async function measure(label: string, batches: AsyncIterable<IngestRecord[]>) {
  // Typed-array backing stores live outside the JS heap: count both.
  const retained = () => {
    collectGarbage();
    const memory = process.memoryUsage();
    return memory.heapUsed + memory.arrayBuffers;
  };
  const before = retained();
  let peak = before;
  let records = 0;
  let count = 0;
  let lastTime = 0;
  const started = performance.now();
  for await (const batch of batches) {
    records += batch.length;
    lastTime = batch[batch.length - 1]?.time ?? lastTime;
    if (++count % 32 === 0) peak = Math.max(peak, retained());
  }
  const seconds = (performance.now() - started) / 1000;
  const growthMb = (peak - before) / MB;
  console.log(
    `${label}: ${records} records in ${seconds.toFixed(2)} s with ${Math.floor(count / 32)} forced ` +
      `collections, peak retained growth ${growthMb.toFixed(1)} MB`,
  );
  return { records, growthMb, lastTime };
}

describe('bounded memory', () => {
  it('parses 100 MB of NDJSON', async () => {
    const { records, growthMb, lastTime } = await measure(
      '100 MB NDJSON',
      parseFluentBitJsonLines(ndjsonStream(100 * MB), { receivedAt: 0 }),
    );
    expect(records).toBeGreaterThan(600_000);
    expect(lastTime).toBeGreaterThan(1.7e12);
    // A chunk, an unfinished line and a batch; retained records would be ~1 GB.
    expect(growthMb).toBeLessThan(16);
  }, 60_000);

  it('parses 50 MB of msgpack events', async () => {
    const { records, growthMb, lastTime } = await measure(
      '50 MB msgpack',
      parseFluentBitMsgpack(msgpackStream(50 * MB)),
    );
    expect(records).toBeGreaterThan(350_000);
    expect(lastTime).toBeGreaterThan(1.7e12);
    expect(growthMb).toBeLessThan(16);
  }, 60_000);
});

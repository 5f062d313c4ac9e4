// The file cases of the ingest benchmark (ingest/upload-csv, ingest/upload-wav): a generated
// file streamed by curl (`-T file -X POST`: read from disk as it is sent, never whole in memory)
// into POST /api/uploads?dataset=…, against the peer copying the same bytes with fs streams in
// this process (createReadStream → createWriteStream, then fsync of the copy); and the lake
// process's peak resident memory during each upload.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { sampleRss } from '../storage/rss.ts';

export type UploadFormat = 'csv' | 'wav';

/** 51.2 kHz, the rate of many vibration DAQs; 16-bit PCM, two channels. */
export const WAV_RATE = 51_200;
export const WAV_CHANNELS = 2;
export const CSV_COLUMNS = 4;
const CSV_T0_MS = Date.UTC(2026, 0, 1);

async function writeInPieces(file: string, pieces: Iterable<Buffer>): Promise<number> {
  const handle = await open(file, 'w');
  let bytes = 0;
  try {
    for (const piece of pieces) {
      await handle.write(piece);
      bytes += piece.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

function wavHeader(dataBytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // integer PCM
  header.writeUInt16LE(WAV_CHANNELS, 22);
  header.writeUInt32LE(WAV_RATE, 24);
  header.writeUInt32LE(WAV_RATE * WAV_CHANNELS * 2, 28);
  header.writeUInt16LE(WAV_CHANNELS * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** A 16-bit stereo PCM WAV of about `bytes` bytes (whole frames); resolves to its frames. */
export async function writeWav(file: string, bytes: number): Promise<number> {
  const frameBytes = WAV_CHANNELS * 2;
  const frames = Math.floor((bytes - 44) / frameBytes);
  const pieceFrames = 1 << 18;
  function* pieces(): Generator<Buffer> {
    yield wavHeader(frames * frameBytes);
    for (let first = 0; first < frames; first += pieceFrames) {
      const count = Math.min(pieceFrames, frames - first);
      const samples = new Int16Array(count * WAV_CHANNELS);
      for (let f = 0; f < count; f++) {
        const n = first + f;
        // A tone plus a cheap hash as noise: not constant, so nothing compresses it away.
        const noise = (Math.imul(n, 0x9e3779b1) >>> 20) - 2048;
        samples[f * 2] = Math.round(12_000 * Math.sin(n * 0.0123)) + noise;
        samples[f * 2 + 1] = ((n * 7) % 30_000) - 15_000 - noise;
      }
      yield Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    }
  }
  await writeInPieces(file, pieces());
  return frames;
}

/**
 * A CSV of about `bytes` bytes: `time,a,b,c,d`, the time in epoch milliseconds (1 ms apart),
 * four floats with 6 decimals. Resolves to its rows.
 */
export async function writeCsv(file: string, bytes: number): Promise<number> {
  const header = `time,${Array.from({ length: CSV_COLUMNS }, (_, i) => String.fromCharCode(97 + i)).join(',')}\n`;
  let rows = 0;
  let written = header.length;
  function* pieces(): Generator<Buffer> {
    yield Buffer.from(header);
    while (written < bytes) {
      const lines: string[] = [];
      for (let i = 0; i < 20_000 && written < bytes; i++) {
        const n = rows++;
        let line = String(CSV_T0_MS + n);
        for (let c = 0; c < CSV_COLUMNS; c++) {
          const x = Math.imul(n * CSV_COLUMNS + c + 1, 0x9e3779b1) >>> 0;
          line += `,${((x / 2 ** 32 - 0.5) * 200).toFixed(6)}`;
        }
        line += '\n';
        written += line.length;
        lines.push(line);
      }
      yield Buffer.from(lines.join(''));
    }
  }
  await writeInPieces(file, pieces());
  return rows;
}

export interface Uploaded {
  status: number;
  /** The lake's answer (`{rows, signals}`). */
  body: string;
  /** Connect to last byte of the answer, as curl timed it. */
  ms: number;
}

/** POSTs `file` with curl, streamed from disk; resolves to the answer and curl's time_total. */
export function curlUpload(
  url: string,
  file: string,
  headers: Readonly<Record<string, string>>,
): Promise<Uploaded> {
  const args = ['-sS', '--http1.1', '-X', 'POST', '-T', file, '-H', 'Expect:'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push('-w', '\n%{http_code} %{time_total}', url);
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      args,
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`curl upload of ${file} failed: ${stderr.trim() || error.message}`));
          return;
        }
        const cut = stdout.lastIndexOf('\n');
        const match = /^(\d{3}) (\d+(?:[.,]\d+)?)$/.exec(stdout.slice(cut + 1).trim());
        if (match?.[1] === undefined || match[2] === undefined) {
          reject(new Error(`unexpected curl report ${JSON.stringify(stdout.slice(-200))}`));
          return;
        }
        resolve({
          status: Number(match[1]),
          body: stdout.slice(0, Math.max(0, cut)),
          ms: Number(match[2].replace(',', '.')) * 1000,
        });
      },
    );
  });
}

/** The peer: the file copied with fs streams (64 KiB reads), the copy fsynced. */
export async function copyDurable(from: string, to: string): Promise<number> {
  await pipeline(createReadStream(from), createWriteStream(to));
  const handle = await open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return (await stat(to)).size;
}

async function statusBytes(pid: number, key: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

export interface PeakRss<T> {
  value: T;
  /** RSS of `pid` before `work`, and its peak during it (bytes); undefined without /proc. */
  beforeBytes: number | undefined;
  peakBytes: number | undefined;
}

/**
 * Runs `work` and measures the peak resident memory of process `pid` meanwhile: its VmHWM,
 * reset first through /proc/<pid>/clear_refs (Linux 4.0+: the peak of this upload alone, not
 * of the lake's life), and VmRSS sampled every 50 ms, which is what remains where the reset
 * is refused. Linux only: both undefined elsewhere.
 */
export async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<PeakRss<T>> {
  const beforeBytes = await statusBytes(pid, 'VmRSS');
  const reset = await writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
  const sampler = sampleRss([pid], 50);
  let value: T;
  let sampled: number;
  try {
    value = await work();
  } finally {
    sampled = (await sampler.stop()).peakBytes;
  }
  const hwm = reset ? await statusBytes(pid, 'VmHWM') : undefined;
  const peakBytes = beforeBytes === undefined ? undefined : Math.max(sampled, hwm ?? 0);
  return { value, beforeBytes, peakBytes };
}

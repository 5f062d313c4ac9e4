// The page of the worker-transfer benchmark: a comlink-wrapped worker and two ways of sending it
// a large ArrayBuffer and getting it back. Timing is taken here with performance.now, so
// Playwright's own round trips are not counted.
import * as Comlink from 'comlink';
import { pageApiKey } from './protocol.ts';
import type { EchoApi, Mode, PageApi } from './protocol.ts';

const worker = Comlink.wrap<EchoApi>(
  new Worker(new URL('./echo.worker.ts', import.meta.url), { type: 'module' }),
);

const stride = 4099; // a prime: spot checks fall on every page and offset

function fill(buffer: ArrayBuffer): void {
  const words = new Uint32Array(buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) >>> 0;
}

function check(buffer: ArrayBuffer, bytes: number): void {
  if (buffer.byteLength !== bytes)
    throw new Error(`came back with ${buffer.byteLength} bytes, sent ${bytes}`);
  const words = new Uint32Array(buffer);
  for (let i = 0; i < words.length; i += stride) {
    if (words[i] !== Math.imul(i, 2654435761) >>> 0)
      throw new Error(`word ${i} changed on the way`);
  }
  const last = words.length - 1;
  if (last >= 0 && words[last] !== Math.imul(last, 2654435761) >>> 0)
    throw new Error('the last word changed on the way');
}

let size = 0;
let transferBuffer = new ArrayBuffer(0);
let copyBuffer = new ArrayBuffer(0);

async function roundTrip(mode: Mode): Promise<number> {
  if (mode === 'transfer') {
    const sent = transferBuffer;
    const start = performance.now();
    const back = await worker.echoTransfer(Comlink.transfer(sent, [sent]));
    const ms = performance.now() - start;
    if (sent.byteLength !== 0)
      throw new Error('the buffer was not transferred (still attached after sending)');
    check(back, size);
    transferBuffer = back;
    return ms;
  }
  const start = performance.now();
  const back = await worker.echoCopy(copyBuffer);
  const ms = performance.now() - start;
  if (copyBuffer.byteLength !== size)
    throw new Error('the buffer was detached: it was meant to be copied');
  if (back === copyBuffer) throw new Error('the copy came back as the same buffer');
  check(back, size);
  return ms;
}

const api: PageApi = {
  async prepare(bytes) {
    size = bytes;
    transferBuffer = new ArrayBuffer(bytes);
    copyBuffer = new ArrayBuffer(bytes);
    fill(transferBuffer);
    fill(copyBuffer);
    await roundTrip('transfer');
    await roundTrip('copy');
  },
  roundTrip,
};

(window as unknown as Record<string, PageApi>)[pageApiKey] = api;

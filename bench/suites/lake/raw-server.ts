// Child process of lake/slice-1e8: the peer of the slice endpoint, a bare node:http server on
// 127.0.0.1 (ephemeral port) that answers GET /raw with the signal's chunk files, in manifest
// order, piped raw to the socket (fs.createReadStream in 1 MiB reads, backpressure by pipe):
// no hashing, no decoding, no Arrow framing, no time column. It is started like the lake
// (node --import tsx), so the two processes' RSS include the same runtime. The parent passes
// the file list (a JSON array of paths) as argv[2], gets the port over IPC and sends "stop" at
// the end.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Read size: 1 MiB, like the lake's blob store reads (and a default chunk is 1 MiB). */
const READ_BYTES = 1024 * 1024;

export type RawServerMessage = { type: 'ready'; port: number } | { type: 'error'; message: string };

function pipeFile(file: string, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(file, { highWaterMark: READ_BYTES });
    const gone = () => {
      stream.destroy();
      reject(new Error('the client went away'));
    };
    res.once('close', gone);
    stream.once('error', reject);
    stream.once('end', () => {
      res.off('close', gone);
      resolve();
    });
    stream.pipe(res, { end: false });
  });
}

async function start(listFile: string): Promise<void> {
  const files = JSON.parse(await readFile(listFile, 'utf8')) as string[];
  let total = 0;
  for (const file of files) total += (await stat(file)).size;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/raw') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(total),
    });
    void (async () => {
      try {
        for (const file of files) {
          if (res.destroyed) return;
          await pipeFile(file, res);
        }
        res.end();
      } catch {
        res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close(() => {
      if (process.connected) process.disconnect();
      process.exit(0);
    });
  };
  process.on('message', (message) => {
    if (message === 'stop') stop();
  });
  process.on('disconnect', stop);
  const ready: RawServerMessage = { type: 'ready', port: (server.address() as AddressInfo).port };
  process.send?.(ready);
}

if (process.send !== undefined) {
  const listFile = process.argv[2];
  start(listFile ?? '').catch((error: unknown) => {
    const message: RawServerMessage = {
      type: 'error',
      message: error instanceof Error ? error.message : String(error),
    };
    process.send?.(message);
    process.exitCode = 1;
  });
}

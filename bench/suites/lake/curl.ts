// curl as the reading client of the slice case, the same for the lake and the raw peer: a node:http
// client in this process needs about a core for ~300–500 MB/s on the 2-core VM, so it caps both
// servers near the same figure and hides what the lake's path costs; curl (native, writing to
// /dev/null) needs a few per cent. Timed by curl itself (time_total: connect to last byte, no
// process start). Without curl on PATH the case falls back to the node:http client (./http-client.ts).
import { execFile, execFileSync } from 'node:child_process';

/** `curl 7.88.1`-like, or null when there is no curl on PATH. */
export function curlVersion(): string | null {
  try {
    const out = execFileSync('curl', ['--version'], { encoding: 'utf8', stdio: 'pipe' });
    const first = out.split('\n')[0] ?? '';
    return /^curl \S+/.exec(first)?.[0] ?? null;
  } catch {
    return null;
  }
}

export interface CurlTransfer {
  status: number;
  bytes: number;
  ms: number;
}

/** Parses the `-w '%{http_code} %{size_download} %{time_total}'` line. */
export function parseCurlReport(text: string): CurlTransfer {
  const match = /^(\d{3}) (\d+) (\d+(?:[.,]\d+)?)$/.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) {
    throw new Error(`unexpected curl report ${JSON.stringify(text)}`);
  }
  return {
    status: Number(match[1]),
    bytes: Number(match[2]),
    ms: Number(match[3].replace(',', '.')) * 1000,
  };
}

/** GET `url` with curl, body to /dev/null; rejects on a failed or cut transfer or a non-200. */
export function curlDrain(
  url: string,
  headers: Readonly<Record<string, string>>,
): Promise<CurlTransfer> {
  const args = [
    '-sS',
    '--http1.1',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download} %{time_total}',
  ];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`curl ${url} failed: ${stderr.trim() || error.message}`));
        return;
      }
      try {
        const transfer = parseCurlReport(stdout);
        if (transfer.status !== 200) throw new Error(`curl ${url}: status ${transfer.status}`);
        resolve(transfer);
      } catch (failure) {
        reject(failure instanceof Error ? failure : new Error(String(failure)));
      }
    });
  });
}

/**
 * GETs every URL with one curl process, `parallel` transfers at a time over reused connections,
 * bodies to /dev/null; resolves to the bytes of each, in order. Rejects on any failed transfer or
 * a status other than 200.
 */
export function curlDrainMany(
  urls: readonly string[],
  headers: Readonly<Record<string, string>>,
  parallel: number,
): Promise<number[]> {
  const args = ['-sS', '--http1.1', '--parallel', '--parallel-max', String(parallel)];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push('-w', '%{url_effective} %{http_code} %{size_download}\\n');
  for (const url of urls) args.push('-o', '/dev/null', url);
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      args,
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(
            new Error(`curl of ${urls.length} URLs failed: ${stderr.trim() || error.message}`),
          );
          return;
        }
        // --parallel reports transfers as they finish: match them back by URL.
        const bytes = new Map<string, number>();
        for (const line of stdout.trim().split('\n')) {
          const match = /^(\S+) (\d{3}) (\d+)$/.exec(line);
          if (match?.[1] === undefined || match[2] !== '200') {
            reject(new Error(`curl: unexpected transfer report ${JSON.stringify(line)}`));
            return;
          }
          bytes.set(match[1], Number(match[3]));
        }
        const missing = urls.find((url) => !bytes.has(url));
        if (missing !== undefined) {
          reject(new Error(`curl reported nothing for ${missing}`));
          return;
        }
        resolve(urls.map((url) => bytes.get(url) ?? 0));
      },
    );
  });
}

// A real lake process for tests that need one (crash, shutdown, full disk): `server/cli.ts`
// run by tsx on a data directory, signed in as the admin through the one-time link it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request with node:http(s): unlike fetch it accepts the self-signed certificate of a
 * test lake served over HTTPS.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        rejectUnauthorized: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface LakeProcess {
  url: string;
  /** The one-time admin sign-in link it printed (already used for `token`). */
  link: string;
  /** Bearer secret of an admin session. */
  token: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and waits for the exit; returns the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startLakeProcess(
  dataDir: string,
  extraArgs: readonly string[] = [],
): Promise<LakeProcess> {
  // `node --import tsx`, not the tsx binary: tsx runs the script in a child process, which
  // a SIGKILL of the binary would leave running.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',

      path.join(root, 'server', 'cli.ts'),
      '--port',
      '0',
      '--data',
      dataDir,
      '--demo',
      '0',
      ...extraArgs,
    ],
    { env: { ...process.env, FIELDLAKE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  const { url, link } = await new Promise<{ url: string; link: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`lake did not start in 20 s:\n${output}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const running = /running at (https?:\/\/\S+?)\/? /.exec(output);
      const signIn = /one-time link \(valid 24 h\): (\S+)/.exec(output);
      if (running?.[1] !== undefined && signIn?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: running[1], link: signIn[1] });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lake exited with ${String(code)} before listening:\n${output}`));
    });
  });
  const secret = new URL(link).searchParams.get('token') ?? '';
  const response = await rawRequest(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: secret }),
  });
  const { token } = JSON.parse(response.body.toString()) as { token: string };
  return {
    url,
    link,
    token,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

// Command-line flags and environment variables of `npm start`, parsed into one config.
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  appDir: string;
  logLevel: string;
  /** PEM files for HTTPS (both or neither). */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Samples of demo data seeded on first start (0: none). */
  demoSamples: number;
  /** Base URL printed in sign-in links; default from the protocol, host and port. */
  publicUrl: string | undefined;
}

/** The demo dataset of a first start: about 240 MB of float32 samples. */
export const DEFAULT_DEMO_SAMPLES = 60_000_000;
/** The generator's ceiling, for benchmarks. */
export const MAX_DEMO_SAMPLES = 1_000_000_000;

export const usage = `Usage: npm start -- [options]

Starts the Fieldlake lake server and serves the app.

Options:
  --port N        port to listen on (env FIELDLAKE_PORT, default 8080)
  --host ADDR     address to bind (env FIELDLAKE_HOST, default 127.0.0.1; 0.0.0.0 for a LAN)
  --data DIR      data directory (env FIELDLAKE_DATA, default ./.fieldlake)
  --app DIR       built app to serve (env FIELDLAKE_APP_DIR, default build/app)
  --log-level L   fatal|error|warn|info|debug|silent (env FIELDLAKE_LOG_LEVEL, default info)
  --tls-cert F    PEM certificate: serve HTTPS (env FIELDLAKE_TLS_CERT; needs --tls-key)
  --tls-key F     PEM private key (env FIELDLAKE_TLS_KEY)
  --demo N        samples of demo data to seed on first start (env FIELDLAKE_DEMO,
                  default 60000000; 0: none)
  --public-url U  base URL for sign-in links (env FIELDLAKE_PUBLIC_URL)
  -h, --help      show this help
`;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type ParsedCommand = { help: true } | { help: false; config: ServerConfig };

const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Flags win over environment variables, which win over defaults. */
export function parseCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: { appDir: string; cwd: string },
): ParsedCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        app: { type: 'string' },
        'log-level': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        demo: { type: 'string' },
        'public-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return { help: true };

  const portText = values.port ?? env.FIELDLAKE_PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`Invalid port "${portText}": expected an integer from 0 to 65535.`);
  }
  const logLevel = values['log-level'] ?? env.FIELDLAKE_LOG_LEVEL ?? 'info';
  if (!logLevels.has(logLevel)) {
    throw new ConfigError(
      `Invalid log level "${logLevel}": expected one of ${[...logLevels].join(', ')}.`,
    );
  }
  const dataDir = path.resolve(defaults.cwd, values.data ?? env.FIELDLAKE_DATA ?? '.fieldlake');
  const appDir = path.resolve(defaults.cwd, values.app ?? env.FIELDLAKE_APP_DIR ?? defaults.appDir);
  const host = values.host ?? env.FIELDLAKE_HOST ?? '127.0.0.1';
  const certText = values['tls-cert'] ?? env.FIELDLAKE_TLS_CERT;
  const keyText = values['tls-key'] ?? env.FIELDLAKE_TLS_KEY;
  if ((certText === undefined) !== (keyText === undefined)) {
    throw new ConfigError('HTTPS needs both --tls-cert and --tls-key (PEM files).');
  }
  const tlsCert = certText === undefined ? undefined : path.resolve(defaults.cwd, certText);
  const tlsKey = keyText === undefined ? undefined : path.resolve(defaults.cwd, keyText);
  const demoText = values.demo ?? env.FIELDLAKE_DEMO ?? String(DEFAULT_DEMO_SAMPLES);
  const demoSamples = Number(demoText);
  if (
    !/^\d+$/.test(demoText) ||
    !Number.isSafeInteger(demoSamples) ||
    demoSamples > MAX_DEMO_SAMPLES
  ) {
    throw new ConfigError(
      `Invalid demo size "${demoText}": expected a number of samples from 0 to ${MAX_DEMO_SAMPLES}.`,
    );
  }
  const publicUrl = values['public-url'] ?? env.FIELDLAKE_PUBLIC_URL;
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) {
    throw new ConfigError(`Invalid public URL "${publicUrl}": expected http(s)://host[:port]/.`);
  }
  return {
    help: false,
    config: { port, host, dataDir, appDir, logLevel, tlsCert, tlsKey, demoSamples, publicUrl },
  };
}

// Command-line flags and environment variables of `npm start`, parsed into one config.
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  appDir: string;
  logLevel: string;
}

export const usage = `Usage: npm start -- [options]

Starts the Fieldlake lake server and serves the app.

Options:
  --port N        port to listen on (env FIELDLAKE_PORT, default 8080)
  --host ADDR     address to bind (env FIELDLAKE_HOST, default 127.0.0.1; 0.0.0.0 for a LAN)
  --data DIR      data directory (env FIELDLAKE_DATA, default ./.fieldlake)
  --app DIR       built app to serve (env FIELDLAKE_APP_DIR, default build/app)
  --log-level L   fatal|error|warn|info|debug|silent (env FIELDLAKE_LOG_LEVEL, default info)
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
  return { help: false, config: { port, host, dataDir, appDir, logLevel } };
}

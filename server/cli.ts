// `npm start`: parse flags, prepare the data directory, serve, and shut down gracefully.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildServer } from './app.ts';
import { ConfigError, parseCommand, usage } from './config.ts';
import { DataDirError, prepareDataDir } from './data-dir.ts';

// Compiled to build/server/server/cli.js; the app is built to build/app.
const defaultAppDir = fileURLToPath(new URL('../../app', import.meta.url));

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2), process.env, {
      appDir: defaultAppDir,
      cwd: process.cwd(),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\n${usage}`);
      return 2;
    }
    throw error;
  }
  if (command.help) {
    process.stdout.write(usage);
    return 0;
  }
  const { config } = command;
  try {
    await prepareDataDir(config.dataDir);
  } catch (error) {
    if (error instanceof DataDirError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (!existsSync(config.appDir)) {
    process.stderr.write(
      `Warning: no built app at ${config.appDir}; serving the API only (run npm run build).\n`,
    );
  }
  const app = await buildServer({ appDir: config.appDir, logger: { level: config.logLevel } });
  const shutdown = (signal: string): void => {
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => {
    shutdown('SIGINT');
  });
  process.once('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === 'EADDRINUSE'
        ? `Port ${config.port} is already in use: choose another with --port or FIELDLAKE_PORT.\n`
        : `Cannot listen on ${config.host}:${config.port}: ${String(error)}\n`,
    );
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(
    `Fieldlake is running at http://${shownHost}:${port}/ (data: ${config.dataDir})\n`,
  );
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);

// `npm start`: parse flags, open the lake under the data directory, serve the API and the app,
// print the URL and a one-time admin sign-in link, seed the demo data on a first start, and
// shut down gracefully (in-flight requests finish, then the stores close).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildServer } from './app.ts';
import { secretSafeLogging } from './auth/auth-plugin.ts';
import { ensureAdminLink } from './admin-link.ts';
import { ConfigError, parseCommand, type ServerConfig, usage } from './config.ts';
import { DataDirError, prepareDataDir } from './data-dir.ts';
import { seedDemoInBackground } from './demo/seed.ts';
import { type OpenLake, openLake } from './lake-context.ts';
import { MetaStoreError } from './meta/types.ts';
import { S3ConfigError, s3ConfigFromEnv } from './blobs/s3/config.ts';

// Compiled to build/server/server/cli.js; the app is built to build/app.
const defaultAppDir = fileURLToPath(new URL('../../app', import.meta.url));

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 1;
}

async function readTls(config: ServerConfig): Promise<{ key: Buffer; cert: Buffer } | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  try {
    return { cert: await readFile(config.tlsCert), key: await readFile(config.tlsKey) };
  } catch (error) {
    throw new ConfigError(`Cannot read the TLS files: ${(error as Error).message}`);
  }
}

async function main(): Promise<number> {
  let command;
  let https;
  try {
    command = parseCommand(process.argv.slice(2), process.env, {
      appDir: defaultAppDir,
      cwd: process.cwd(),
    });
    if (command.help) {
      process.stdout.write(usage);
      return 0;
    }
    https = await readTls(command.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n\n${usage}`);
      return 2;
    }
    throw error;
  }
  const { config } = command;
  try {
    if ((await prepareDataDir(config.dataDir)) === 'full') {
      process.stderr.write(
        `Warning: the disk of ${config.dataDir} is full: the lake serves what it holds, and writes answer 507 until space is freed.\n`,
      );
    }
  } catch (error) {
    if (error instanceof DataDirError) return fail(error.message);
    throw error;
  }
  if (!existsSync(config.appDir)) {
    process.stderr.write(
      `Warning: no built app at ${config.appDir}; serving the API only (run npm run build).\n`,
    );
  }
  const log = pino({ level: config.logLevel, ...secretSafeLogging });
  const scheme = https === undefined ? 'http' : 'https';
  let opened: OpenLake;
  try {
    // Scale-out: PostgreSQL and S3 from the environment (README, "Scale-out").
    const s3 = s3ConfigFromEnv(process.env);
    const databaseUrl = process.env.FIELDLAKE_DATABASE_URL;
    opened = await openLake({
      dataDir: config.dataDir,
      log,
      settings: { secure: https !== undefined },
      ...(databaseUrl === undefined || databaseUrl === '' ? {} : { databaseUrl }),
      ...(s3 === undefined ? {} : { s3 }),
      transform: process.env.FIELDLAKE_INGEST_WORKER !== '0',
    });
  } catch (error) {
    if (error instanceof MetaStoreError || error instanceof S3ConfigError) {
      return fail(`Cannot open the lake: ${error.message}`);
    }
    throw error;
  }
  const app = await buildServer({
    appDir: config.appDir,
    loggerInstance: log,
    lake: opened,
    ...(https === undefined ? {} : { https }),
  });
  const seeding = new AbortController();
  let seeded: Promise<void> = Promise.resolve();
  const shutdown = (signal: string): void => {
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    seeding.abort();
    app
      .close()
      .then(() => seeded)
      .then(() => opened.close())
      .then(
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
    await opened.close();
    const code = (error as NodeJS.ErrnoException).code;
    return fail(
      code === 'EADDRINUSE'
        ? `Port ${config.port} is already in use: choose another with --port or FIELDLAKE_PORT.`
        : `Cannot listen on ${config.host}:${config.port}: ${String(error)}`,
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const baseUrl = config.publicUrl ?? `${scheme}://${shownHost}:${port}/`;
  opened.lake.settings.publicUrl = baseUrl;
  const link = await ensureAdminLink(opened.lake, baseUrl);
  process.stdout.write(
    `Fieldlake is running at ${scheme}://${shownHost}:${port}/ (data: ${config.dataDir})\n` +
      `Sign in as ${link.name} with this one-time link (valid 24 h): ${link.url}\n`,
  );
  seeded = seedDemoInBackground(opened, {
    samples: config.demoSamples,
    log,
    signal: seeding.signal,
  });
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

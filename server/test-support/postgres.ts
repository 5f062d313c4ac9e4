// A throwaway PostgreSQL cluster for tests: `initdb` into a temp directory, `postgres` on a free
// port of 127.0.0.1 as a child process, one fresh database per `createDatabase()`, everything
// stopped and deleted by `stop()`. Starting one takes about a second (initdb with --no-sync):
// start ONE per test file (beforeAll) and give each test its own database.
//
//   const reason = postgresUnavailable();
//   describe.skipIf(reason !== undefined)('… on PostgreSQL', () => {
//     let pg: PostgresCluster;
//     beforeAll(async () => { pg = await startPostgres(); }, 60_000);
//     afterAll(() => pg.stop());
//     it('…', async () => { const url = await pg.createDatabase(); … });
//   });
//
// PostgreSQL refuses to run as root. Under root (CI here) initdb and postgres run as an
// unprivileged account (`postgres` when the system has one, else `nobody`) through spawn's
// uid/gid options, not through su/runuser: the child is then postgres itself, so a signal from
// stop() reaches the postmaster and not a wrapper.
//
// Used by the PostgreSQL metadata store's tests and by other scale-out tests (S3 store, two lake
// instances): keep this API stable.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  /** A database `fieldlake`, empty at start, for a test that needs just one. */
  url: string;
  /** The maintenance database `postgres` as the superuser (CREATE DATABASE, pg_terminate_backend). */
  adminUrl: string;
  host: string;
  port: number;
  /** The cluster's data directory (removed by stop). */
  dataDir: string;
  /** Creates an empty database (named `t1`, `t2` … unless given) and answers its URL. */
  createDatabase(name?: string): Promise<string>;
  /** What the server logged so far (the last 64 KiB), for failure messages. */
  log(): string;
  /** Stops the server (fast shutdown) and deletes its directory; idempotent. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';
const READY = /database system is ready to accept connections/;
const MAX_LOG = 64 * 1024;

interface Account {
  uid: number;
  gid: number;
  name: string;
}

/** Why PostgreSQL tests cannot run here (for describe.skipIf), or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  for (const binary of ['initdb', 'postgres']) {
    if (findBinary(binary) === undefined) {
      return `PostgreSQL tests skipped: \`${binary}\` is not on PATH (install PostgreSQL 15+)`;
    }
  }
  if (isRoot() && unprivilegedAccount() === undefined) {
    return (
      'PostgreSQL tests skipped: running as root and no unprivileged account ' +
      '(postgres or nobody) to run the server as'
    );
  }
  return undefined;
}

/** Starts a fresh cluster; rejects with the server's log when it does not come up. */
export async function startPostgres(): Promise<PostgresCluster> {
  const reason = postgresUnavailable();
  if (reason !== undefined) throw new Error(reason);
  const initdb = findBinary('initdb') ?? 'initdb';
  const postgres = findBinary('postgres') ?? 'postgres';
  const account = isRoot() ? unprivilegedAccount() : undefined;
  const dir = mkdtempSync(join(baseDir(account), 'fieldlake-pg-'));
  if (account !== undefined) chownSync(dir, account.uid, account.gid);
  const dataDir = join(dir, 'data');
  try {
    await runToEnd(
      initdb,
      [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        SUPERUSER,
        '-E',
        'UTF8',
        // C: byte order like SQLite's BINARY, and no dependence on the machine's locales.
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      dir,
      account,
    );
    // Another process may take the port between the probe and the bind: try a few.
    let lastError: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      try {
        const server = await startServer(postgres, dataDir, dir, port, account);
        return await clusterOver(server, dir, dataDir, port);
      } catch (error) {
        lastError = error;
        if (!(error instanceof PortTaken)) break;
      }
    }
    throw lastError;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

class PortTaken extends Error {}

interface Server {
  child: ChildProcess;
  log: () => string;
  exited: Promise<void>;
}

async function clusterOver(
  server: Server,
  dir: string,
  dataDir: string,
  port: number,
): Promise<PostgresCluster> {
  const urlOf = (database: string) =>
    `postgres://${SUPERUSER}@${HOST}:${port}/${encodeURIComponent(database)}`;
  const adminUrl = urlOf('postgres');
  let count = 0;
  let stopped = false;
  // A test process that exits without stop() (a crash, a forgotten afterAll) must not leave a
  // postmaster behind: 'exit' handlers run synchronously, and kill is synchronous.
  const onExit = () => {
    server.child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  async function createDatabase(name?: string): Promise<string> {
    const database = name ?? `t${++count}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      // template0 + FILE_COPY: no copy of template1's extras, and no WAL of the whole template.
      await client.query(
        `CREATE DATABASE ${pg.escapeIdentifier(database)} TEMPLATE template0 STRATEGY FILE_COPY`,
      );
    } finally {
      await client.end();
    }
    return urlOf(database);
  }

  const cluster: PostgresCluster = {
    url: '',
    adminUrl,
    host: HOST,
    port,
    dataDir,
    createDatabase,
    log: server.log,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      // SIGINT: fast shutdown (aborts open sessions). SIGKILL if it has not gone in 10 s.
      server.child.kill('SIGINT');
      const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
      await server.exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    cluster.url = await createDatabase('fieldlake');
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

function startServer(
  postgres: string,
  dataDir: string,
  dir: string,
  port: number,
  account: Account | undefined,
): Promise<Server> {
  const child = spawn(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      // The Unix socket beside the data (clients here use TCP); none when the path would be
      // too long for a socket address (108 bytes).
      '-k',
      join(dir, '.s.PGSQL.65535').length < 100 ? dir : '',
      '-c',
      `listen_addresses=${HOST}`,
      // Test clusters are thrown away: durability costs time and buys nothing.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'shared_buffers=32MB',
    ],
    spawnOptions(dir, account),
  );
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-MAX_LOG);
  };
  // Both pipes are read for the server's whole life: a full pipe would block its logging.
  child.stdout.on('data', append);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`PostgreSQL did not start in 30 s:\n${log}`));
    }, 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      append(chunk);
      if (READY.test(log)) {
        clearTimeout(timer);
        resolve({ child, log: () => log, exited });
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const message = `PostgreSQL exited (${String(code ?? signal)}) before it was ready:\n${log}`;
      reject(
        /could not bind|Address already in use/i.test(log)
          ? new PortTaken(message)
          : new Error(message),
      );
    });
  });
}

function runToEnd(
  command: string,
  args: readonly string[],
  dir: string,
  account: Account | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, spawnOptions(dir, account));
    let output = '';
    const append = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-MAX_LOG);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${String(code ?? signal)}):\n${output}`));
    });
  });
}

function spawnOptions(dir: string, account: Account | undefined) {
  // PG* variables of the caller (PGDATA, PGPORT, PGHOST …) must not steer the test cluster.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  env.LC_ALL = 'C';
  if (account !== undefined) {
    env.HOME = dir;
    env.USER = account.name;
    env.LOGNAME = account.name;
  }
  return {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    ...(account === undefined ? {} : { uid: account.uid, gid: account.gid }),
  };
}

/** Where the cluster's directory goes: the temp dir, unless the server's account cannot enter it. */
function baseDir(account: Account | undefined): string {
  const base = tmpdir();
  // The unprivileged account needs to traverse the parent (a TMPDIR under /root would not do).
  if (account !== undefined && (statSync(base).mode & 0o001) === 0) return '/tmp';
  return base;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The account to run PostgreSQL as under root: `postgres` if the system has one, else `nobody`. */
function unprivilegedAccount(): Account | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const name of ['postgres', 'nobody']) {
    const line = passwd.split('\n').find((entry) => entry.startsWith(`${name}:`));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid !== undefined && gid !== undefined && Number(uid) > 0) {
      return { uid: Number(uid), gid: Number(gid), name };
    }
  }
  return undefined;
}

function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  // Debian's postgresql package keeps the server binaries off PATH.
  dirs.push('/usr/local/bin', '/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin');
  dirs.push('/usr/lib/postgresql/15/bin');
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

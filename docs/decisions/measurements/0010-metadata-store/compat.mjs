// Runs each statement of compat.sql verbatim in PGlite, in SQLite (better-sqlite3) and,
// when PGPORT is set, in a real PostgreSQL through psql. Prints a Markdown table.
// usage: [PGPORT=55432 PGHOST=/tmp/pg15] node compat.mjs
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const text = readFileSync(new URL('./compat.sql', import.meta.url), 'utf8');
const cases = text
  .split(/^-- @@ /m)
  .filter((s) => s.trim())
  .map((s) => {
    const nl = s.indexOf('\n');
    return { name: s.slice(0, nl).trim(), sql: s.slice(nl + 1).trim() };
  });
const pg = new PGlite(); // in memory: dialect check only
await pg.waitReady;
const lite = new Database(':memory:');
const short = (e) =>
  String(e.message || e)
    .split('\n')[0]
    .slice(0, 70);
const rows = [];
let pgVersion = '';
if (process.env.PGPORT) {
  pgVersion = spawnSync('psql', ['-X', '-At', '-c', 'SHOW server_version', 'postgres'], {
    encoding: 'utf8',
  }).stdout.trim();
  spawnSync('psql', [
    '-X',
    '-q',
    '-c',
    'DROP DATABASE IF EXISTS compat',
    '-c',
    'CREATE DATABASE compat',
    'postgres',
  ]);
}
for (const c of cases) {
  const row = { name: c.name };
  try {
    await pg.exec(c.sql);
    row.pglite = 'ok';
  } catch (e) {
    row.pglite = 'ERR ' + short(e);
  }
  try {
    lite.exec(c.sql);
    row.sqlite = 'ok';
  } catch (e) {
    row.sqlite = 'ERR ' + short(e);
  }
  if (process.env.PGPORT) {
    const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', c.sql, 'compat'], {
      encoding: 'utf8',
    });
    row.pg =
      r.status === 0
        ? 'ok'
        : 'ERR ' +
          r.stderr
            .split('\n')[0]
            .replace(/^psql:[^E]*ERROR:\s*/, '')
            .slice(0, 70);
  }
  rows.push(row);
}
const pgl = (await pg.query('SELECT version() AS v')).rows[0].v.split(' ').slice(0, 2).join(' ');
const sv = lite.prepare('SELECT sqlite_version() AS v').get().v;
console.log(
  `| statement | PGlite (${pgl}) | PostgreSQL ${pgVersion || '(not run)'} | SQLite ${sv} |`,
);
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.pglite} | ${r.pg ?? '–'} | ${r.sqlite} |`);
await pg.close();

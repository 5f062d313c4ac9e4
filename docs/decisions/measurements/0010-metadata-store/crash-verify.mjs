// Reopens a database after a kill and checks it. Prints one JSON line.
// usage: node crash-verify.mjs <kind> <path> <file with reported committed seqs, one per line>
import { readFileSync } from 'node:fs';
import { openEngine } from './lib.mjs';
const [kind, path, seqFile] = process.argv.slice(2);
const reported = readFileSync(seqFile, 'utf8').split('\n').filter(Boolean).map(Number);
const r = { opened: false };
try {
  const t0 = performance.now();
  const db = await openEngine(kind, path);
  r.opened = true;
  r.openMs = Math.round(performance.now() - t0);
  const counter = Number((await db.get(`SELECT v FROM counters WHERE name = 'seq'`)).v);
  const agg = await db.get('SELECT count(*) AS n, coalesce(max(seq), 0) AS mx FROM changes');
  const n = Number(agg.n),
    mx = Number(agg.mx);
  r.counter = counter;
  r.changes = n;
  // (b) every reported committed sequence number is present
  const present = new Set((await db.all('SELECT seq FROM changes')).map((x) => Number(x.seq)));
  r.reported = reported.length;
  r.lostCommitted = reported.filter((s) => !present.has(s)).length;
  // (c) no partial transaction: counter == count == max, all transactions have 10 rows
  r.partial = !(counter === n && n === mx && n % 10 === 0);
  // docs agree with the change log (latest change per id is the doc's seq; one doc per id)
  const bad = await db.get(`SELECT count(*) AS c FROM docs d
      JOIN (SELECT id, max(seq) AS s FROM changes GROUP BY id) c ON c.id = d.id WHERE d.seq <> c.s`);
  const ndocs = Number((await db.get('SELECT count(*) AS c FROM docs')).c);
  const nids = Number((await db.get('SELECT count(DISTINCT id) AS c FROM changes')).c);
  r.docMismatch = Number(bad.c) + Math.abs(ndocs - nids);
  // read every body, so that a damaged page would surface
  const sum = await db.get(
    kind.startsWith('sqlite')
      ? 'SELECT sum(length(body)) AS s FROM docs'
      : 'SELECT sum(length(body::text)) AS s FROM docs',
  );
  r.bodyBytes = Number(sum.s ?? 0);
  if (kind.startsWith('sqlite'))
    r.integrity = (await db.get('PRAGMA integrity_check')).integrity_check;
  else r.integrity = 'n/a';
  await db.close();
} catch (e) {
  r.error = String((e && e.message) || e).slice(0, 300);
}
console.log(JSON.stringify(r));

// Open an existing database in a fresh process; time to first answered query; RSS.
// usage: node startup.mjs <kind> <path>
import { openEngine } from './lib.mjs';
const [kind, path] = process.argv.slice(2);
const t0 = performance.now();
const db = await openEngine(kind, path);
const seq = await db.get(`SELECT v FROM counters WHERE name = 'seq'`);
const openMs = performance.now() - t0;
const rssOpenMB = +(process.memoryUsage().rss / 1048576).toFixed(1);
const c0 = performance.now();
const cnt = await db.get('SELECT count(*) AS c FROM docs');
const countMs = performance.now() - c0;
const one = await db.feedDocs(Number(seq.v) - 1000, 1000);
const rssMB = +(process.memoryUsage().rss / 1048576).toFixed(1);
await db.close();
console.log(
  JSON.stringify({
    openMs: Math.round(openMs),
    sinceModuleLoadMs: Math.round(performance.now()),
    docs: Number(cnt.c),
    countMs: Math.round(countMs),
    lastPage: one.length,
    rssOpenMB,
    rssMB,
  }),
);

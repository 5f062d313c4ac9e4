// Throughput, change feed, conditional bulk write, disk size, RSS for one engine.
// usage: node bench.mjs <sqlite-full|sqlite-normal|pglite|pglite-batch> [workdir] [sizes]
//   sizes: comma list of N, default 10000,100000; transaction sizes 100 and 1000.
import { mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openEngine, pathFor, makeDoc, newId, rnd, duBytes, mb } from './lib.mjs';

const kind = process.argv[2];
const work = process.argv[3] ?? '/tmp/metastore/work';
const sizes = (process.argv[4] ?? '10000,100000').split(',').map(Number);
const TX = [100, 1000];
const out = { kind, node: process.version, runs: [] };

function makeWorkload(n) {
  // 80 % new documents, 20 % updates of a document written earlier in the run
  const ids = [],
    docs = [];
  for (let i = 0; i < n; i++) {
    const update = ids.length > 0 && rnd() < 0.2;
    const id = update ? ids[(rnd() * ids.length) | 0] : newId();
    if (!update) ids.push(id);
    docs.push(makeDoc(id));
  }
  return docs;
}

const log = (...a) => console.error(`[${kind}]`, ...a);

for (const n of sizes) {
  const docs = makeWorkload(n);
  const bytes = docs.reduce((s, d) => s + JSON.stringify(d).length, 0);
  for (const tx of TX) {
    const dir = `${work}/${kind}-${n}-${tx}`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tOpen = performance.now();
    const db = await openEngine(kind, pathFor(kind, dir));
    const openMs = performance.now() - tOpen;
    const t0 = performance.now();
    for (let i = 0; i < n; i += tx) await db.writeBatch(docs.slice(i, i + tx));
    const ms = performance.now() - t0;
    const run = {
      n,
      tx,
      createMs: Math.round(openMs),
      writeMs: Math.round(ms),
      docsPerS: Math.round(n / (ms / 1000)),
      avgDocBytes: Math.round(bytes / n),
      rssMB: +mb(process.memoryUsage().rss),
    };
    const cnt = await db.get('SELECT count(*) AS c FROM changes');
    run.changes = Number(cnt.c);

    if (n === Math.max(...sizes) && tx === 1000) {
      // ---- change feed: pages of 1000 by seq from 0 to the end ----
      for (const which of ['feedChanges', 'feedDocs']) {
        let since = 0,
          pages = 0,
          rows = 0;
        const f0 = performance.now();
        for (;;) {
          const page = await db[which](since, 1000);
          if (page.length === 0) break;
          pages++;
          rows += page.length;
          since = page[page.length - 1].seq;
        }
        const fms = performance.now() - f0;
        run[which] = { pages, rows, ms: Math.round(fms), msPerPage: +(fms / pages).toFixed(2) };
      }
      // ---- conditional bulk write: 1000 updates with assumed rev, 10 % stale ----
      const sample = await db.all('SELECT id, rev FROM docs ORDER BY seq DESC LIMIT 1000');
      const items = sample.map((r, i) => ({
        doc: makeDoc(r.id),
        rev: i % 10 === 0 ? r.rev - 1 : r.rev,
      }));
      const c0 = performance.now();
      const applied = await db.condBatch(items);
      run.cond = {
        items: items.length,
        applied,
        stale: items.length - applied,
        ms: +(performance.now() - c0).toFixed(1),
      };
      run.rssAfterFeedMB = +mb(process.memoryUsage().rss);
      await db.close();
      run.diskMB = +mb(duBytes(dir));
      // ---- startup of the 10^5 database in a fresh process (3 times) ----
      const here = fileURLToPath(new URL('./startup.mjs', import.meta.url));
      run.startup = [];
      for (let k = 0; k < 3; k++) {
        const w0 = performance.now();
        const r = spawnSync(process.execPath, [here, kind, pathFor(kind, dir)], {
          encoding: 'utf8',
        });
        const wall = performance.now() - w0;
        if (r.status !== 0) {
          run.startup.push({ error: r.stderr.slice(-500) });
          continue;
        }
        run.startup.push({ ...JSON.parse(r.stdout), processWallMs: Math.round(wall) });
      }
    } else {
      await db.close();
      run.diskMB = +mb(duBytes(dir));
    }
    log(JSON.stringify(run));
    out.runs.push(run);
  }
}
console.log(JSON.stringify(out));

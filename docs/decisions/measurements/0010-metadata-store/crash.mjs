// kill -9 durability test. usage: node crash.mjs <kind> [runs=24] [workdir]
// Each run: start crash-child.mjs on the same database, SIGKILL it at a random moment,
// then reopen with crash-verify.mjs. Half the runs kill at a random time after the first
// commit (0–1500 ms), half at a random time after spawn (0–4000 ms; can land during open/recovery).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pathFor } from './lib.mjs';

const kind = process.argv[2];
const runs = Number(process.argv[3] ?? 24);
const work = process.argv[4] ?? '/tmp/metastore/crash';
const dir = `${work}/${kind}`;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const path = pathFor(kind, dir);
const child = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));
const verify = fileURLToPath(new URL('./crash-verify.mjs', import.meta.url));
const seqFile = `${work}/${kind}.seqs`;
const all = [];
const results = [];

function once(i) {
  return new Promise((resolve) => {
    const afterCommit = i % 2 === 0 && i > 0;
    const delay = afterCommit ? Math.random() * 1500 : Math.random() * 4000;
    const p = spawn(process.execPath, [child, kind, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '',
      err = '',
      ready = false,
      commits = 0;
    const arm = () => {
      setTimeout(() => p.kill('SIGKILL'), delay);
    };
    // run 0 creates the database: never killed before it is ready
    if (!afterCommit && i > 0) arm();
    p.stdout.on('data', (d) => {
      buf += d;
      let k;
      while ((k = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 1);
        if (line === 'R') ready = true;
        else if (line.startsWith('C ')) {
          all.push(Number(line.slice(2)));
          commits++;
          if (commits === 1 && (afterCommit || i === 0)) arm();
        }
      }
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code, signal) =>
      resolve({
        delay: Math.round(delay),
        afterCommit,
        ready,
        commits,
        signal,
        code,
        err: err.slice(-300),
      }),
    );
  });
}

for (let i = 0; i < runs; i++) {
  const before = all.length;
  const prevMax = before ? all[before - 1] : 0;
  const run = await once(i);
  // this run's reported commits (plus the last one of earlier runs): a loss is counted once
  writeFileSync(seqFile, [...(prevMax ? [prevMax] : []), ...all.slice(before)].join('\n'));
  const v = spawnSync(process.execPath, [verify, kind, path, seqFile], { encoding: 'utf8' });
  let check;
  try {
    check = JSON.parse(v.stdout.trim().split('\n').pop());
  } catch {
    check = { opened: false, error: (v.stderr || '').slice(-300) };
  }
  const row = { i, ...run, ...check };
  if (!row.err) delete row.err;
  results.push(row);
  console.error(`[${kind}] ${JSON.stringify(row)}`);
}
const summary = {
  kind,
  runs: results.length,
  killedBySigkill: results.filter((r) => r.signal === 'SIGKILL').length,
  killedBeforeReady: results.filter((r) => r.signal === 'SIGKILL' && !r.ready).length,
  committedReported: all.length,
  openFailures: results.filter((r) => !r.opened).length,
  lostCommitted: results.reduce((s, r) => s + (r.lostCommitted ?? 0), 0),
  maxLostInOneRun: Math.max(0, ...results.map((r) => r.lostCommitted ?? 0)),
  partialVisible: results.filter((r) => r.partial).length,
  docMismatch: results.filter((r) => r.docMismatch).length,
  integrityNotOk: results.filter(
    (r) => r.integrity && r.integrity !== 'ok' && r.integrity !== 'n/a',
  ).length,
  reopenMsMedian: results
    .map((r) => r.openMs)
    .filter(Boolean)
    .sort((a, b) => a - b)[Math.floor(results.length / 2)],
};
console.log(JSON.stringify({ summary, results }));

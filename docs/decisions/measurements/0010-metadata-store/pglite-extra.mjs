// Two PGlite checks the lake server cares about:
//  A. kill -9 during the very first creation of a data directory (initdb), then reopen;
//  B. a second process opening a directory another live process has open (double start).
// usage: node pglite-extra.mjs [workdir] [kind for B, default pglite; e.g. sqlite-full]
//   (A always uses pglite; pass a sqlite kind to run B alone against SQLite for comparison)
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pathFor } from './lib.mjs';
const kindB = process.argv[3] ?? 'pglite';
const work = process.argv[2] ?? '/tmp/metastore/extra';
const child = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));
const startup = fileURLToPath(new URL('./startup.mjs', import.meta.url));
const out = { firstCreateKill: [], doubleOpen: null };
for (let i = 0; i < (kindB === 'pglite' ? 6 : 0); i++) {
  const dir = `${work}/create-${i}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const delay = 200 + Math.random() * 2500;
  await new Promise((res) => {
    const p = spawn(process.execPath, [child, 'pglite', dir], { stdio: 'ignore' });
    setTimeout(() => p.kill('SIGKILL'), delay);
    p.on('exit', res);
  });
  const r = spawnSync(process.execPath, [startup, 'pglite', dir], {
    encoding: 'utf8',
    timeout: 60000,
  });
  out.firstCreateKill.push({
    delay: Math.round(delay),
    reopened: r.status === 0,
    err:
      r.status === 0
        ? undefined
        : (r.stderr || '')
            .split('\n')
            .filter((l) => /rror/.test(l))
            .slice(0, 2)
            .join(' | ')
            .slice(0, 200),
  });
}
// B: process 1 keeps writing; process 2 opens the same directory and writes too
const dir = `${work}/double-${kindB}`;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const p1 = spawn(process.execPath, [child, kindB, pathFor(kindB, dir)], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
await new Promise((res) =>
  p1.stdout.on('data', (d) => {
    if (String(d).includes('C ')) res();
  }),
);
const p2 = spawn(process.execPath, [child, kindB, pathFor(kindB, dir)], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let e2 = '',
  c2 = 0;
p2.stderr.on('data', (d) => {
  e2 += d;
});
p2.stdout.on('data', (d) => {
  c2 += String(d).split('C ').length - 1;
});
await new Promise((r) => setTimeout(r, 4000));
const p2exit = p2.exitCode;
p1.kill('SIGKILL');
p2.kill('SIGKILL');
await new Promise((r) => setTimeout(r, 300));
const v = spawnSync(
  process.execPath,
  [
    fileURLToPath(new URL('./crash-verify.mjs', import.meta.url)),
    kindB,
    pathFor(kindB, dir),
    '/dev/null',
  ],
  { encoding: 'utf8' },
);
out.doubleOpen = {
  kind: kindB,
  secondProcessCommits: c2,
  secondProcessExited: p2exit,
  secondErr: e2
    .split('\n')
    .filter((l) => /rror/.test(l))
    .slice(0, 2)
    .join(' | ')
    .slice(0, 200),
  verifyAfter: v.stdout.trim(),
};
console.log(JSON.stringify(out, null, 1));

// Entry point of `npm run bench` (tsx bench/run.ts). See `npm run bench -- --help`.
import { fileURLToPath } from 'node:url';
import { main } from './lib/cli.ts';
import { suites } from './suites/index.ts';

const benchDir = fileURLToPath(new URL('.', import.meta.url));

process.exitCode = await main(process.argv.slice(2), {
  suites,
  resultsMd: fileURLToPath(new URL('./RESULTS.md', import.meta.url)),
  defaultOut: fileURLToPath(new URL('./results', import.meta.url)),
  repoDir: benchDir,
  quickByDefault: process.env.FIELDLAKE_BENCH_QUICK === '1',
});

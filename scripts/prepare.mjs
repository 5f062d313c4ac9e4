// Runs before `npm start` and `npm test` (prestart/pretest) in plain Node, so a fresh clone
// works with one command: installs dependencies with `npm ci` when they are missing or the
// lockfile changed, and with --build rebuilds the app and the server when their inputs changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const depsStamp = path.join(root, 'node_modules', '.fieldlake-lock-hash');
const buildStamp = path.join(root, 'build', '.inputs-hash');

/** Files whose content decides the build. */
const buildInputs = [
  'index.html',
  'vite.config.ts',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.server.json',
  'src',
  'server',
  'public',
];

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function listFiles(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [entry];
  return readdirSync(full, { withFileTypes: true })
    .filter((dirent) => !dirent.name.startsWith('.'))
    .flatMap((dirent) => listFiles(path.join(entry, dirent.name)));
}

export function buildInputsHash() {
  const hash = createHash('sha256');
  for (const file of buildInputs.flatMap(listFiles).sort()) {
    // Tests do not change what is built.
    if (/\.(test|suite|fixture\.worker)\.ts$/.test(file)) continue;
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

function run(command, args) {
  process.stdout.write(`> ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    process.stderr.write(
      `\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).\n`,
    );
    process.exit(result.status ?? 1);
  }
}

export function ensureDependencies() {
  const lockHash = sha256(readFileSync(path.join(root, 'package-lock.json')));
  const installed = existsSync(depsStamp) ? readFileSync(depsStamp, 'utf8').trim() : '';
  if (installed === lockHash && existsSync(path.join(root, 'node_modules', '.bin', 'vite'))) return;
  process.stdout.write(
    existsSync(path.join(root, 'node_modules'))
      ? 'Dependencies differ from package-lock.json: reinstalling with npm ci.\n'
      : 'Installing dependencies with npm ci (first run).\n',
  );
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(depsStamp, `${lockHash}\n`);
}

export function ensureBuild() {
  const inputs = buildInputsHash();
  const built = existsSync(buildStamp) ? readFileSync(buildStamp, 'utf8').trim() : '';
  if (built === inputs && existsSync(path.join(root, 'build', 'app', 'index.html'))) {
    process.stdout.write('Build is up to date.\n');
    return;
  }
  process.stdout.write('Building the app and the server (sources changed since the last build).\n');
  run(process.execPath, [path.join(root, 'scripts', 'build.mjs')]);
  mkdirSync(path.dirname(buildStamp), { recursive: true });
  writeFileSync(buildStamp, `${inputs}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureDependencies();
  if (process.argv.includes('--build')) ensureBuild();
}

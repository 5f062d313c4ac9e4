// The machine and the code a run measured: CPU, cores, Node, and the git commit.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const run = promisify(execFile);

export interface MachineEnv {
  cpu: string;
  cores: number;
  node: string;
}

export function machineEnv(): MachineEnv {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim();
  return {
    cpu: model !== undefined && model !== '' ? model : `unknown ${os.arch()}`,
    cores: Math.max(
      1,
      typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    ),
    node: process.version,
  };
}

async function git(cwd: string, args: string[]): Promise<string> {
  // --no-optional-locks: `status` must not write the index while others work in the same tree.
  const { stdout } = await run('git', ['--no-optional-locks', ...args], { cwd, timeout: 10_000 });
  return stdout.trim();
}

/**
 * Short commit hash of HEAD, with `-dirty` when the work tree differs from it (tracked changes or
 * untracked files that are not ignored). Null outside a repository, without git, and in a
 * repository that has no commit yet (there is nothing to name).
 */
export async function gitRevision(cwd: string): Promise<string | null> {
  try {
    await git(cwd, ['rev-parse', '--git-dir']);
  } catch {
    return null; // not a repository, or no git
  }
  let hash: string;
  try {
    hash = await git(cwd, ['rev-parse', '--short', '--verify', '--quiet', 'HEAD']);
  } catch {
    return null; // a repository without commits
  }
  if (hash === '') return null;
  try {
    const status = await git(cwd, ['status', '--porcelain', '--untracked-files=normal']);
    return status === '' ? hash : `${hash}-dirty`;
  } catch {
    return `${hash}-dirty`; // cannot tell: do not claim a clean tree
  }
}

/** The installed version of an npm package (for benchmark rows that name their peer). */
export async function packageVersion(pkg: string): Promise<string> {
  const json: unknown = JSON.parse(
    await readFile(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8'),
  );
  const version = (json as { version?: unknown }).version;
  return typeof version === 'string' ? version : '?';
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Real git repositories for tests, made with the git binary (no library in between).

/** Runs git in `cwd` without a shell; returns trimmed stdout. Ambient GIT_* variables are dropped. */
export function git(cwd: string, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return execFileSync('git', args, { cwd, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface TestRepo {
  readonly path: string;
  /** Writes the files, commits them and returns the new sha. */
  commit(message: string, files: Record<string, string>): string;
  /** `git worktree list --porcelain`, for before/after comparisons. */
  worktrees(): string;
  branches(): string[];
}

/** A repository with branch `main` and a committer identity (shared by its worktrees). */
export function makeRepo(path: string): TestRepo {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '--quiet', '--initial-branch=main');
  git(path, 'config', 'user.name', 'kingly test');
  git(path, 'config', 'user.email', 'test@kingly.invalid');
  git(path, 'config', 'commit.gpgsign', 'false');
  return {
    path,
    commit(message, files) {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(path, name)), { recursive: true });
        writeFileSync(join(path, name), content);
        git(path, 'add', '--', name);
      }
      git(path, 'commit', '--quiet', '--allow-empty', '-m', message);
      return git(path, 'rev-parse', 'HEAD');
    },
    worktrees: () => git(path, 'worktree', 'list', '--porcelain'),
    branches: () => git(path, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean).sort(),
  };
}

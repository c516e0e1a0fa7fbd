import { execFile } from 'node:child_process';

/** What git said when it failed: its exit code and stderr. */
export class GitFailure extends Error {
  constructor(readonly args: readonly string[], readonly exitCode: number | null, readonly stdout: string, readonly stderr: string) {
    super(`git ${args.join(' ')}: ${stderr.trim().split('\n')[0] || `exit ${exitCode}`}`);
    this.name = 'GitFailure';
  }
}

/** Runs git in `cwd` (argv, no shell) with the caller's GIT_* variables dropped; resolves with trimmed stdout. */
export const git = (cwd: string, ...args: string[]): Promise<string> => run(cwd, 'git', args);

/** Runs a shell script of host-scripts.ts here, in `cwd`, as a host job would (`sh -c script kingly-parallel ...args`); resolves with its trimmed stdout. */
export const runScript = (cwd: string, script: string, args: readonly string[]): Promise<string> => run(cwd, 'sh', ['-c', script, 'kingly-parallel', ...args]);

function run(cwd: string, file: string, args: readonly string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new GitFailure(args, typeof error.code === 'number' ? error.code : null, stdout, stderr));
      else resolve(stdout.trim());
    });
  });
}

/** Like git(), but undefined instead of a failure. */
export const gitMaybe = (cwd: string, ...args: string[]): Promise<string | undefined> => git(cwd, ...args).catch(() => undefined);

/** Lines of output, without empty ones. */
export const lines = (text: string | undefined): string[] => (text ?? '').split('\n').filter((l) => l !== '');

/** `-c` options giving git an identity for kingly's own commits when the repository has none configured. */
export async function identityArgs(cwd: string): Promise<string[]> {
  const email = await gitMaybe(cwd, 'config', 'user.email');
  return email ? [] : ['-c', 'user.name=kingly', '-c', 'user.email=kingly@localhost'];
}

/** Files left unmerged by a failed merge or rebase in `cwd`. */
export const unmergedFiles = async (cwd: string): Promise<string[]> => lines(await gitMaybe(cwd, 'diff', '--name-only', '--diff-filter=U'));

/** The checkout that has `branch` checked out, if any (`git worktree list`). */
export async function checkoutOf(repo: string, branch: string): Promise<string | undefined> {
  let path: string | undefined;
  for (const line of lines(await gitMaybe(repo, 'worktree', 'list', '--porcelain'))) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}

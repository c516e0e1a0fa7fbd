import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, tempDir, type TestRepo } from '@kingly/testing';
import { rewriteEqualsValue } from '../src/equals-value.js';
import { buildProgram } from '../src/program.js';
import { GIT_WORKTREE_FLAG } from '../src/run-worktree.js';
import { kingly, lines, workerForFile } from './helpers.js';

// `kingly run --git-worktree`: the built binary, a `kingly worker` process with its own KINGLY_HOME
// (where the worker makes its worktrees), and a real repository.
const { env } = workerForFile('worktree', ['--concurrency', '8']);
const worktreesDir = join(env.KINGLY_HOME!, 'worktrees');

interface JobJson {
  id: string;
  state: string;
  exitCode: number | null;
  command: string;
  group: string | null;
  cwd: string | null;
  repo: string | null;
  ref: string | null;
  commit: string | null;
  branch: string | null;
  worktreePath: string | null;
}

const show = async (id: string): Promise<JobJson> => JSON.parse((await kingly(['show', '--json', id], env)).stdout) as JobJson;
/** `key=value` lines printed by a job, as a record. */
const printed = (stdout: string): Record<string, string> => Object.fromEntries(lines(stdout).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
/** Every file and directory left under KINGLY_HOME/worktrees. */
/** A path under KINGLY_HOME as `pwd -P` prints it (the worktree itself is gone by the time it is compared). */
const physical = (path: string): string => join(realpathSync(env.KINGLY_HOME!), path.slice(env.KINGLY_HOME!.length));
const worktreesLeft = (): string[] => (existsSync(worktreesDir) ? readdirSync(worktreesDir, { recursive: true }).map(String) : []);

describe('kingly run --git-worktree', () => {
  let tmp: { path: string; remove: () => void };
  let repo: TestRepo;
  let first: string;
  let second: string;
  /** A directory inside the repository: the jobs run from there. */
  let inside: string;

  beforeAll(() => {
    tmp = tempDir('kingly-cli-wt');
    repo = makeRepo(join(tmp.path, 'repo'));
    first = repo.commit('first', { 'version.txt': 'v1\n', 'pkg/app/.keep': '' });
    second = repo.commit('second', { 'version.txt': 'v2\n' });
    inside = join(repo.path, 'pkg', 'app');
  });
  afterAll(() => tmp.remove());

  it('eight jobs at once from inside a repository: eight checkouts at HEAD, none sees the others, nothing left', async () => {
    const before = repo.worktrees();
    const barrier = join(tmp.path, 'barrier');
    mkdirSync(barrier);
    // Each job writes its file, waits until all eight have written theirs, then says what its checkout holds.
    const script = [
      'echo "id=$KINGLY_JOB_ID"',
      'echo "commit=$(git rev-parse HEAD)"',
      'echo "pwd=$(pwd -P)"',
      'top=$(git rev-parse --show-toplevel)',
      'echo "$KINGLY_JOB_ID" > "$top/mine-$KINGLY_JOB_ID.txt"',
      'touch "$BARRIER/$KINGLY_JOB_ID"',
      'i=0; while [ "$(ls "$BARRIER" | wc -l)" -lt 8 ]; do i=$((i+1)); if [ $i -gt 2400 ]; then echo barrier=timeout; exit 9; fi; sleep 0.05; done',
      'echo "seen=$(cd "$top" && ls mine-*.txt | tr "\\n" " ")"',
    ].join('\n');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => kingly(['run', '--git-worktree', '-f', '--env', `BARRIER=${barrier}`, script], env, { cwd: inside, timeoutMs: 200_000 })),
    );
    const said = results.map((r) => `${r.stdout}${r.stderr}`).join('---\n');
    expect(results.map((r) => r.exitCode), said).toEqual(Array(8).fill(0));
    const paths = new Set<string>();
    for (const result of results) {
      const out = printed(result.stdout);
      const record = await show(out.id!);
      expect(record).toMatchObject({ state: 'succeeded', repo: repo.path, ref: 'HEAD', commit: second, branch: null });
      expect(record.worktreePath!.startsWith(`${worktreesDir}/`)).toBe(true);
      expect(out.commit).toBe(second);
      expect(out.pwd).toBe(join(physical(record.worktreePath!), 'pkg', 'app'));
      expect(out.seen).toBe(`mine-${out.id}.txt `);
      paths.add(record.worktreePath!);
    }
    expect(paths.size).toBe(8);
    expect(repo.worktrees()).toBe(before);
    expect(git(repo.path, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(worktreesLeft()).toEqual([]);
  }, 300_000);

  it('--git-worktree=SHA runs at that commit; kingly show and jobs say where it ran', async () => {
    const result = await kingly(['run', `--git-worktree=${first}`, '-f', 'echo "id=$KINGLY_JOB_ID"; echo "commit=$(git rev-parse HEAD)"; echo "version=$(cat version.txt)"'], env, { cwd: repo.path });
    expect(result.exitCode, result.stderr).toBe(0);
    const out = printed(result.stdout);
    expect(out).toMatchObject({ commit: first, version: 'v1' });
    const record = await show(out.id!);
    expect(record).toMatchObject({ ref: first, commit: first });

    const details = (await kingly(['show', out.id!], env)).stdout;
    expect(details).toMatch(new RegExp(`^repo: +${repo.path}$`, 'm'));
    expect(details).toMatch(new RegExp(`^ref: +${first}$`, 'm'));
    expect(details).toMatch(new RegExp(`^commit: +${first.slice(0, 12)}$`, 'm'));
    expect(details).toMatch(new RegExp(`^worktree: +${record.worktreePath}$`, 'm'));
    const table = lines((await kingly(['jobs', '--limit', '1'], env)).stdout);
    expect(table[0]).toMatch(/ WORKTREE +COMMAND$/);
    expect(table[1]).toContain(` ${first.slice(0, 7)} `);
    expect(worktreesLeft()).toEqual([]);
  }, 60_000);

  it('a word after a bare --git-worktree is the command, not a ref', async () => {
    const echo = await kingly(['run', '--git-worktree', '-f', 'echo', 'hi'], env, { cwd: repo.path });
    expect(echo).toMatchObject({ exitCode: 0, stdout: 'hi\n' });
    const typo = await kingly(['run', '--json', '--git-worktree', 'main-typo'], env, { cwd: repo.path });
    expect(typo.exitCode, typo.stderr).toBe(0);
    const { id } = JSON.parse(typo.stdout) as { id: string };
    expect((await kingly(['wait', id], env)).exitCode).toBe(127);
    expect(await show(id)).toMatchObject({ command: 'main-typo', ref: 'HEAD', commit: second });
  }, 60_000);

  it('--git-worktree=REF of no such ref fails at enqueue with git’s words (exit 1), nothing queued', async () => {
    const result = await kingly(['run', '--git-worktree=no-such-ref', 'true'], env, { cwd: inside });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^kingly: unknown ref 'no-such-ref' in .*\(git: fatal: Needed a single revision\); give a branch, tag or commit/);
    const outside = await kingly(['run', '--git-worktree', 'true'], env, { cwd: tmp.path });
    expect(outside.exitCode).toBe(1);
    expect(outside.stderr).toMatch(/is not in a git repository .*give --repo PATH\|URL/);
  });

  it('--branch, --keep-worktree and --repo need --git-worktree (exit 2); --branch with several commands too', async () => {
    const alone = await kingly(['run', '--branch', 'x', 'true'], env, { cwd: repo.path });
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toContain('kingly: --branch needs --git-worktree');
    const keep = await kingly(['run', '--keep-worktree', 'true'], env, { cwd: repo.path });
    expect(keep.exitCode).toBe(2);
    expect(keep.stderr).toContain('--keep-worktree needs --git-worktree');
    const several = await kingly(['run', '--git-worktree', '--branch', 'x', '--parallel', 'true', 'true'], env, { cwd: repo.path });
    expect(several.exitCode).toBe(2);
    expect(several.stderr).toMatch(/--branch cannot be given with 2 commands: .*one worktree only/);
    const badName = await kingly(['run', '--git-worktree', '--branch', 'a..b', 'true'], env, { cwd: repo.path });
    expect(badName.exitCode).toBe(2);
    expect(repo.branches()).toEqual(['main']);
  });

  it('--parallel: each command in its own worktree, all succeed; the group table shows them', async () => {
    const before = repo.worktrees();
    const command = 'echo "id=$KINGLY_JOB_ID"; echo "pwd=$(pwd -P)"';
    const result = await kingly(['run', '--parallel', '--git-worktree', '-f', `${command}; true`, `${command}; :`], env, { cwd: inside });
    expect(result.exitCode, result.stderr).toBe(0);
    const out = lines(result.stdout).filter((l) => /^\[[^\]]+\] (id|pwd)=/.test(l)).map((l) => l.replace(/^\[[^\]]+\] /, ''));
    const ids = out.filter((l) => l.startsWith('id=')).map((l) => l.slice(3));
    const pwds = out.filter((l) => l.startsWith('pwd=')).map((l) => l.slice(4));
    expect(ids).toHaveLength(2);
    expect(new Set(pwds).size).toBe(2);
    const records = await Promise.all(ids.map(show));
    for (const record of records) {
      expect(record).toMatchObject({ state: 'succeeded', commit: second, cwd: join(record.worktreePath!, 'pkg', 'app') });
      expect(pwds).toContain(join(physical(record.worktreePath!), 'pkg', 'app'));
    }
    const table = lines((await kingly(['jobs', '--group', records[0]!.group!], env)).stdout);
    expect(table[0]).toMatch(/ WORKTREE +COMMAND$/);
    expect(table.slice(1).every((row) => row.includes(` HEAD@${second.slice(0, 7)} `))).toBe(true);
    expect(repo.worktrees()).toBe(before);
    expect(worktreesLeft()).toEqual([]);
  }, 60_000);

  it('--branch: the job commits on a new branch, which stays when the worktree goes', async () => {
    const result = await kingly(['run', '--git-worktree', '--branch', 'job/note', '-f', 'echo note > note.txt && git add note.txt && git commit -qm note'], env, {
      cwd: repo.path,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(repo.branches()).toEqual(['job/note', 'main']);
    expect(git(repo.path, 'show', 'job/note:note.txt')).toBe('note');
    expect(git(repo.path, 'rev-parse', 'job/note~1')).toBe(second);
    expect(existsSync(join(repo.path, 'note.txt'))).toBe(false);
    expect(worktreesLeft()).toEqual([]);
  }, 60_000);
});

describe('--git-worktree=REF before parsing', () => {
  const program = buildProgram();
  const rewrite = (...words: string[]): string[] => rewriteEqualsValue(program, ['node', 'kingly', ...words], GIT_WORKTREE_FLAG).slice(2);

  it('becomes the hidden option among the options of run, and only there', () => {
    expect(rewrite('run', '--git-worktree=v1.2', 'make')).toEqual(['run', '--git-worktree-ref', 'v1.2', 'make']);
    expect(rewrite('--home', '/h', 'run', '-fj', '4', '--cwd', 'x', '--git-worktree=main', 'make')).toEqual(['--home', '/h', 'run', '-fj', '4', '--cwd', 'x', '--git-worktree-ref', 'main', 'make']);
    expect(rewrite('run', '-j4', '--env=A=1', '--git-worktree=a=b', 'make')).toEqual(['run', '-j4', '--env=A=1', '--git-worktree-ref', 'a=b', 'make']);
    // Words of the command, option values and anything after `--` stay as they are.
    expect(rewrite('run', '--git-worktree', 'echo', '--git-worktree=x')).toEqual(['run', '--git-worktree', 'echo', '--git-worktree=x']);
    expect(rewrite('run', '--name', '--git-worktree=x', 'echo')).toEqual(['run', '--name', '--git-worktree=x', 'echo']);
    expect(rewrite('run', '--', '--git-worktree=x')).toEqual(['run', '--', '--git-worktree=x']);
    expect(rewrite('jobs', '--git-worktree=x')).toEqual(['jobs', '--git-worktree=x']);
    expect(rewrite('--home', 'run', 'jobs', '--git-worktree=x')).toEqual(['--home', 'run', 'jobs', '--git-worktree=x']);
  });
});

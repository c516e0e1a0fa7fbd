import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRepo, tempDir, type TestRepo } from '@kingly/testing';
import { resolveWorktreeRequest } from '../src/worktree-check.js';

// Enqueue-time checks of `kingly run --git-worktree`, against real repositories.
describe('resolveWorktreeRequest', () => {
  let tmp: { path: string; remove: () => void };
  let repo: TestRepo;
  let head: string;

  beforeEach(() => {
    tmp = tempDir('kingly-wt-check');
    repo = makeRepo(join(tmp.path, 'repo'));
    head = repo.commit('first', { 'pkg/a/file.txt': 'x\n' });
  });
  afterEach(() => tmp.remove());

  it('turns the flags into the job spec, with the place inside the checkout', async () => {
    expect(await resolveWorktreeRequest({ cwd: repo.path })).toEqual({ repo: repo.path });
    expect(await resolveWorktreeRequest({ cwd: join(repo.path, 'pkg', 'a'), ref: head, branch: 'job/1', keep: true })).toEqual({
      repo: repo.path,
      ref: head,
      branch: 'job/1',
      keep: true,
      subdir: 'pkg/a',
    });
    expect(await resolveWorktreeRequest({ cwd: tmp.path, repo: 'git@example.com:org/r.git' })).toEqual({ repo: 'git@example.com:org/r.git' });
  });

  it('says what is wrong, with a hint', async () => {
    const plain = join(tmp.path, 'plain');
    mkdirSync(plain);
    await expect(resolveWorktreeRequest({ cwd: plain })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringMatching(/is not in a git repository/), hint: expect.stringMatching(/--repo/) });
    await expect(resolveWorktreeRequest({ cwd: repo.path, ref: 'nope' })).rejects.toMatchObject({ message: expect.stringMatching(/unknown ref 'nope' in .*Needed a single revision/) });
    await expect(resolveWorktreeRequest({ cwd: repo.path, branch: 'a..b' })).rejects.toMatchObject({ message: expect.stringMatching(/--branch: .*contains '\.\.'/) });
    await expect(resolveWorktreeRequest({ cwd: repo.path, ref: '--upload-pack=x' })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(resolveWorktreeRequest({ cwd: repo.path, branch: 'main' })).rejects.toMatchObject({ message: `branch 'main' is already checked out at ${repo.path}` });
    git(repo.path, 'branch', 'old', head);
    repo.commit('second', {});
    await expect(resolveWorktreeRequest({ cwd: repo.path, branch: 'old', ref: 'main' })).rejects.toMatchObject({ message: expect.stringMatching(/branch 'old' already exists at/) });
    expect(await resolveWorktreeRequest({ cwd: repo.path, branch: 'old' })).toEqual({ repo: repo.path, branch: 'old' });
    // The command would run at the same place in the checkout: it must be there at that commit.
    const untracked = join(repo.path, 'new-dir');
    mkdirSync(untracked);
    await expect(resolveWorktreeRequest({ cwd: untracked })).rejects.toMatchObject({ message: expect.stringMatching(/would run in 'new-dir' of the checkout .* has no such directory/), hint: expect.stringMatching(/--cwd/) });
    repo.commit('third', { 'new-dir/x': '' });
    expect(await resolveWorktreeRequest({ cwd: untracked })).toEqual({ repo: repo.path, subdir: 'new-dir' });
    await expect(resolveWorktreeRequest({ cwd: untracked, ref: head })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(resolveWorktreeRequest({ cwd: untracked, branch: 'old' })).rejects.toMatchObject({ message: expect.stringMatching(/would run in 'new-dir'/) });
  });
});

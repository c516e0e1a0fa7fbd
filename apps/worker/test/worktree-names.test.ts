import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkBranchName, checkRepo, checkRevision, isRepoUrl, jobSpecSchema, redactRepo } from '@kingly/cmd';

// The branch-name check of @kingly/cmd (which never runs git) against the real git binary.
const gitAccepts = (name: string): boolean => spawnSync('git', ['check-ref-format', '--branch', name], { cwd: '/' }).status === 0;

const NAMES = [
  'feat', 'a/b', 'feature/job-1', 'x/HEAD', 'é', 'a/-b', 'refs/heads/x', 'v1.2.3', 'a@b', 'UPPER_case',
  'a//b', '/a', 'a/', '.a', 'a/.b', 'a.lock', 'a/b.lock', 'a.lock/b', 'a..b', 'a b', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b',
  'a[b', 'a\\b', 'a@{b', '@{', 'a.', 'a/.', '', '-a', 'HEAD', 'tab\there', 'nul\x7f',
];

describe('git names', () => {
  it('accepts exactly the branch names git check-ref-format --branch accepts', () => {
    for (const name of NAMES) {
      expect({ name, ok: checkBranchName(name) === undefined }).toEqual({ name, ok: gitAccepts(name) });
    }
    // git expands "@" to the current branch; as a name of its own it is refused, as `git branch @` does.
    expect(checkBranchName('@')).toMatch(/'@' alone/);
  });

  it('tells revisions, repositories and URLs apart and hides credentials', () => {
    expect(checkRevision('main~2')).toBeUndefined();
    expect(checkRevision('--upload-pack=x')).toMatch(/starts with '-'/);
    expect(checkRevision('a b')).toMatch(/a space/);
    for (const url of ['https://example.com/r.git', 'ssh://git@example.com/r', 'git@example.com:org/r.git', 'file:///srv/r.git']) {
      expect(isRepoUrl(url)).toBe(true);
      expect(checkRepo(url)).toBeUndefined();
    }
    expect(checkRepo('/abs/path')).toBeUndefined();
    expect(checkRepo('relative/path')).toMatch(/absolute path or a clone URL/);
    expect(checkRepo('-oProxyCommand=x')).toMatch(/absolute path or a clone URL/);
    expect(redactRepo('fatal: https://user:token@example.com/r.git not found')).toBe('fatal: https://<hidden>@example.com/r.git not found');
  });

  it('validates the worktree part of a job spec, naming the field', () => {
    const parse = (worktree: unknown) => jobSpecSchema.safeParse({ command: 'true', worktree });
    expect(parse({ repo: '/r', ref: 'v1', branch: 'job/1', keep: true, subdir: 'pkg/a' }).success).toBe(true);
    const bad = parse({ repo: '/r', branch: 'no..dots' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['worktree', 'branch'], message: expect.stringMatching(/contains '\.\.'/) });
    expect(parse({ repo: '/r', subdir: '../out' }).success).toBe(false);
    expect(parse({ repo: 'https://u:secret@example.com/r', unknown: 1 }).success).toBe(false);
    const secret = parse({ repo: 'ftp://u:secret@example.com/r' });
    expect(JSON.stringify(secret.error!.issues)).not.toContain('secret');
  });
});

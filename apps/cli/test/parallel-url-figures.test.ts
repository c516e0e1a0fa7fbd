import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { git, makeRepo, tempDir } from '@kingly/testing';
import { FIGURES_SCRIPT } from '../src/parallel/host-scripts.js';

// The script behind `kingly parallel status` of a URL set, run as a worker's job runs it (sh, in
// the worker's mirror), on a real remote and mirror: its figures with git's merge-tree, and the
// same figures where git is older than 2.38 (a git on PATH that refuses `merge-tree --write-tree`
// as such a git does, exit 129). The local path of status runs it too, on the repository's own base.
const tmp = tempDir('kingly-figures');
afterAll(() => tmp.remove());

const bare = join(tmp.path, 'remote.git');
const mirror = join(tmp.path, 'mirror.git');
const oldGit = join(tmp.path, 'old-git');

function setUp(): void {
  const upstream = makeRepo(join(tmp.path, 'upstream'));
  upstream.commit('first', { 'README.md': 'hello\n', 'greeting.txt': 'hi\n' });
  git(tmp.path, 'clone', '--quiet', '--bare', upstream.path, bare);
  git(tmp.path, 'clone', '--quiet', '--bare', `file://${bare}`, mirror);
  // Two stream branches in the mirror: s1 changes greeting.txt and adds a file, s2 adds its own file.
  const work = makeRepo(join(tmp.path, 'work'));
  git(work.path, 'fetch', '--quiet', mirror, 'main');
  git(work.path, 'checkout', '--quiet', '-B', 's1', 'FETCH_HEAD');
  work.commit('s1', { 'greeting.txt': 'hello from s1\n', 's1.txt': 'one\n' });
  git(work.path, 'push', '--quiet', mirror, 's1');
  git(work.path, 'checkout', '--quiet', '-B', 's2', 'FETCH_HEAD');
  work.commit('s2', { 's2.txt': 'two\n' });
  git(work.path, 'push', '--quiet', mirror, 's2');
  // Meanwhile the URL's main moves and changes greeting.txt too (the mirror does not have it yet).
  upstream.commit('base moves', { 'greeting.txt': 'hello from main\n' });
  git(upstream.path, 'push', '--quiet', bare, 'HEAD:refs/heads/main');
  mkdirSync(oldGit);
  writeFileSync(join(oldGit, 'git'), `#!/bin/sh\nif [ "$1" = merge-tree ]; then echo "error: unknown option 'write-tree'" >&2; exit 129; fi\nexec ${git(tmp.path, '--exec-path')}/git "$@"\n`);
  chmodSync(join(oldGit, 'git'), 0o755);
}

async function figures(path: string, from: 'origin' | 'local' = 'origin', cwd = mirror): Promise<string[]> {
  const result = await execa('sh', ['-c', FIGURES_SCRIPT, 'kingly-parallel', 'main', from, 's1', 's2', 'gone'], {
    cwd,
    env: { PATH: path, HOME: tmp.path, TMPDIR: tmp.path },
    extendEnv: false,
    reject: false,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('the figures script of parallel status', () => {
  it('says each branch against the base fetched from origin, with merge-tree and with a git older than 2.38; leaves no ref or worktree', async () => {
    setUp();
    const expected = [
      '@kingly branch s1', '@kingly behind 1', '@kingly ahead 1', '@kingly files 2', '@kingly conflict greeting.txt',
      '@kingly branch s2', '@kingly behind 1', '@kingly ahead 1', '@kingly files 1',
      '@kingly missing gone',
    ];
    expect(await figures(process.env.PATH!)).toEqual(expected);
    expect(await figures(`${oldGit}:${process.env.PATH!}`)).toEqual(expected);
    expect(git(mirror, 'for-each-ref', 'refs/kingly/'), 'the base ref of the script is deleted').toBe('');
    // from=local (a set of a local repository): the repository's own main, no fetch, no ref of its own.
    git(mirror, 'push', '--quiet', bare, 's1', 's2');
    expect(await figures(process.env.PATH!, 'local', bare)).toEqual(expected);
    expect(git(bare, 'for-each-ref', 'refs/kingly/')).toBe('');
    expect(git(mirror, 'worktree', 'list', '--porcelain').match(/^worktree /gm), 'the temporary worktree is removed').toHaveLength(1);
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('kingly-figures-'))).toEqual([]);
  });
});

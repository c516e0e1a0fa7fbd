import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, tempDir, type TestRepo } from '@kingly/testing';
import { kingly, workerForFile } from './helpers.js';

// worktree.reuse as a user meets it: the built binary's `kingly run --git-worktree -f` against a
// `kingly worker` process, a real repository with a node_modules of its own in the main checkout.
const { env } = workerForFile('wt-reuse');

describe('kingly run --git-worktree with worktree.reuse', () => {
  let tmp: { path: string; remove: () => void };
  let repo: TestRepo;

  beforeAll(() => {
    tmp = tempDir('kingly-cli-reuse');
    repo = makeRepo(join(tmp.path, 'repo'));
    repo.commit('app', {
      '.gitignore': 'node_modules/\n',
      'package.json': JSON.stringify({ name: 'app', devDependencies: { fake: '1.0.0' } }),
      'package-lock.json': '{"lockfileVersion":3}\n',
      'kingly.config.json': JSON.stringify({ worktree: { reuse: ['node_modules'], setup: 'echo "installing for $KINGLY_MAIN_CHECKOUT"' } }),
    });
    mkdirSync(join(repo.path, 'node_modules', 'fake'), { recursive: true });
    writeFileSync(join(repo.path, 'node_modules', 'fake', 'index.js'), 'from-main');
  });
  afterAll(() => tmp.remove());

  const probe = 'cat node_modules/fake/index.js 2>/dev/null || echo no-modules';

  it('links node_modules of the main checkout when the lockfile matches; no discarding message', async () => {
    const result = await kingly(['run', '--git-worktree', '-f', probe], env, { cwd: repo.path });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output).toBe(0);
    expect(result.stdout).toContain('from-main');
    expect(output).toContain(`worktree.reuse: linked node_modules from the main checkout ${repo.path}; setup skipped`);
    expect(output).not.toContain('discarding');
    expect(output).not.toContain('[setup]');
  }, 60_000);

  it('runs setup, saying why and labelling its lines, when the main checkout installed from another lockfile', async () => {
    writeFileSync(join(repo.path, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    const result = await kingly(['run', '--git-worktree', '-f', probe], env, { cwd: repo.path });
    const output = result.stdout + result.stderr;
    expect(result.exitCode, output).toBe(0);
    expect(result.stdout).toContain('no-modules');
    expect(output).toContain("not reusing node_modules: package-lock.json differs from the main checkout's; running setup instead");
    expect(output).toContain(`[setup] installing for ${repo.path}`);
    expect(output).not.toContain('discarding');
  }, 60_000);
});

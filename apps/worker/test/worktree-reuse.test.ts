import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRepo, tempDir, type TestRepo } from '@kingly/testing';
import { createHarness, logLines, type Harness } from './harness.js';
import { leftUnder } from './worktree-fixtures.js';

// worktree.reuse: the main checkout's node_modules linked into each worktree when the lockfile
// says it fits, else setup runs; setup's environment and labelled output; the release message.

describe('worktree.reuse', () => {
  let tmp: { path: string; remove: () => void };
  let home: string;
  let repo: TestRepo;
  let h: Harness;

  const PACKAGE = JSON.stringify({ name: 'app', devDependencies: { fake: '1.0.0' } });
  // Prints what the job's checkout got: the linked module (or none), whether setup ran, git's view.
  const PROBE = [
    'if [ -L node_modules ]; then echo "link=$(cat node_modules/fake/index.js)"; else echo link=none; fi',
    'if [ -e setup.txt ]; then echo "setup=$(cat setup.txt)"; else echo setup=none; fi',
  ].join('\n');

  beforeEach(async () => {
    tmp = tempDir('kingly-reuse');
    home = join(tmp.path, 'home');
    repo = makeRepo(join(tmp.path, 'repo'));
    writeFileSync(
      join(repo.path, 'kingly.config.json'),
      JSON.stringify({ worktree: { reuse: ['node_modules'], setup: ['echo "main=$KINGLY_MAIN_CHECKOUT" > setup.txt', 'echo installing; echo warned >&2'] } }),
    );
    // A `node_modules/` rule (trailing slash) matches directories only: git sees the link as untracked.
    repo.commit('app', { '.gitignore': 'node_modules/\nsetup.txt\n', 'package.json': PACKAGE, 'kingly.config.json': readFileSync(join(repo.path, 'kingly.config.json'), 'utf8') });
    mkdirSync(join(repo.path, 'node_modules', 'fake'), { recursive: true });
    writeFileSync(join(repo.path, 'node_modules', 'fake', 'index.js'), 'installed-in-main');
    h = createHarness('reuse');
    await h.startWorker({ home });
  });
  afterEach(async () => {
    await h.close();
    tmp.remove();
  });

  async function run(command: string, from: string = repo.path, env: Record<string, string> = {}): Promise<{ state: string; log: string[] }> {
    const { id } = await h.client.enqueue({ command, env, worktree: { repo: from } });
    const record = await h.client.waitForJob(id, { timeoutMs: 60_000 });
    return { state: record.state, log: await logLines(h.client, id) };
  }

  it('links node_modules when the lockfiles are equal, skips setup, and says nothing of discarding changes', async () => {
    repo.commit('lock', { 'package-lock.json': '{"lockfileVersion":3}\n' });
    const { state, log } = await run(PROBE);
    expect(state, log.join('\n')).toBe('succeeded');
    expect(log).toContain('stdout:link=installed-in-main');
    expect(log).toContain('stdout:setup=none');
    expect(log).toContain(`system:[kingly] worktree.reuse: linked node_modules from the main checkout ${repo.path}; setup skipped`);
    expect(log.filter((l) => l.includes('discarding'))).toEqual([]);
    // Removing the worktree removed the link, not what it points at.
    expect(readFileSync(join(repo.path, 'node_modules', 'fake', 'index.js'), 'utf8')).toBe('installed-in-main');
    expect(leftUnder(join(home, 'worktrees'))).toEqual([]);

    // The message is still there for a change the job made.
    const changed = await run(`${PROBE}\necho edit >> package.json`);
    expect(changed.log).toContain('system:[kingly] discarding 1 uncommitted change(s) in the worktree (keep it with keep: true / --keep-worktree)');
  }, 120_000);

  it('runs setup instead when the lockfile differs, saying why; setup sees KINGLY_MAIN_CHECKOUT and its lines are labelled', async () => {
    repo.commit('lock', { 'package-lock.json': '{"lockfileVersion":3}\n' });
    // The main checkout installed from a lockfile the commit does not have.
    writeFileSync(join(repo.path, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/fake":{}}}\n');
    const { state, log } = await run(PROBE);
    expect(state, log.join('\n')).toBe('succeeded');
    expect(log).toContain("system:[kingly] worktree.reuse: not reusing node_modules: package-lock.json differs from the main checkout's; running setup instead");
    expect(log).toContain('stdout:link=none');
    expect(log).toContain(`stdout:setup=main=${repo.path}`);
    expect(log).toEqual(expect.arrayContaining(['system:[setup] installing', 'system:[setup] warned']));
    expect(log.filter((l) => l.includes('discarding'))).toEqual([]);
  }, 60_000);

  it('without a lockfile, links when package.json dependencies are equal and falls back when they differ', async () => {
    // An untracked lockfile of the main checkout (npm install made it) is not asked about.
    writeFileSync(join(repo.path, 'package-lock.json'), '{"lockfileVersion":3}\n');
    const same = await run(PROBE);
    expect(same.log, same.log.join('\n')).toContain('stdout:link=installed-in-main');

    writeFileSync(join(repo.path, 'package.json'), JSON.stringify({ name: 'app', devDependencies: { fake: '2.0.0' } }));
    const differs = await run(PROBE);
    expect(differs.state, differs.log.join('\n')).toBe('succeeded');
    expect(differs.log).toContain(
      "system:[kingly] worktree.reuse: not reusing node_modules: no lockfile, and package.json's dependencies differ from the main checkout's; running setup instead",
    );
    expect(differs.log).toContain('stdout:link=none');
    expect(existsSync(join(repo.path, 'node_modules', 'fake', 'index.js'))).toBe(true);
  }, 120_000);

  it('falls back when the folder is not in the main checkout', async () => {
    git(repo.path, 'clean', '-fdxq', '--', 'node_modules');
    const { state, log } = await run(PROBE);
    expect(state, log.join('\n')).toBe('succeeded');
    expect(log).toContain('system:[kingly] worktree.reuse: not reusing node_modules: node_modules is not a directory in the main checkout; running setup instead');
    expect(log).toContain(`stdout:setup=main=${repo.path}`);
  }, 60_000);

  it('from a clone URL: no main checkout, so setup runs without KINGLY_MAIN_CHECKOUT', async () => {
    const origin = join(tmp.path, 'origin.git');
    git(tmp.path, 'clone', '--bare', '--quiet', repo.path, origin);
    const { state, log } = await run(PROBE, `file://${origin}`);
    expect(state, log.join('\n')).toBe('succeeded');
    expect(log).toContain(
      'system:[kingly] worktree.reuse: not reusing node_modules: the repository has no main checkout on this worker (a clone URL or a bare repository); running setup instead',
    );
    expect(log).toContain('stdout:setup=main=');
  }, 60_000);

  it("the README's recipe works in a repository without a lockfile", async () => {
    writeFileSync(join(repo.path, 'kingly.config.json'), JSON.stringify({ worktree: { reuse: ['node_modules'], setup: 'npm ci || npm install' } }));
    repo.commit('no dependencies to fetch', { 'package.json': JSON.stringify({ name: 'app', version: '1.0.0' }) });
    git(repo.path, 'clean', '-fdxq', '--', 'node_modules');
    // No network: npm has nothing to fetch, and is told not to try.
    const { state, log } = await run('test -f package-lock.json && echo installed', repo.path, { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' });
    expect(state, log.join('\n')).toBe('succeeded');
    expect(log).toContain('system:[kingly] setup: npm ci || npm install');
    // `npm ci` alone (the old recipe) refuses without a lockfile; `|| npm install` carries on.
    expect(log.some((l) => l.startsWith('system:[setup] npm error') && l.includes('package-lock.json'))).toBe(true);
    expect(log).toContain('stdout:installed');
  }, 60_000);
});

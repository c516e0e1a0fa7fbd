import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeRepo, pidsWithEnv, tempDir, waitFor, type TestRepo } from '@kingly/testing';
import { cleanupWorktrees } from '../src/worktree/index.js';
import { createHarness, logLines, type Harness } from './harness.js';
import { leftUnder } from './worktree-fixtures.js';

// Jobs that run in worker-made git worktrees, against real repositories and a real worker.

describe('git worktree jobs', () => {
  let tmp: { path: string; remove: () => void };
  let home: string;
  let repo: TestRepo;
  let first: string;
  let second: string;
  let h: Harness;

  beforeEach(() => {
    tmp = tempDir('kingly-wt');
    home = join(tmp.path, 'home');
    repo = makeRepo(join(tmp.path, 'repo'));
    first = repo.commit('first', { 'version.txt': 'v1\n', 'src/app.txt': 'app\n' });
    second = repo.commit('second', { 'version.txt': 'v2\n' });
    h = createHarness('wt');
  });
  afterEach(async () => {
    await h.close();
    tmp.remove();
  });

  const worktreesLeft = (): string[] => leftUnder(join(home, 'worktrees'));
  /** git's own entries for linked worktrees (`git worktree prune` drops the directory once empty). */
  const gitAdminEntries = (): string[] => (existsSync(join(repo.path, '.git', 'worktrees')) ? readdirSync(join(repo.path, '.git', 'worktrees')) : []);

  it('runs eight jobs at once, each in its own checkout at its commit, and leaves nothing behind', async () => {
    await h.startWorker({ home, concurrency: 4 });
    await h.startWorker({ home, concurrency: 4 });
    const before = repo.worktrees();
    const barrier = join(tmp.path, 'barrier');
    mkdirSync(barrier);
    // Each job writes its own file, waits until all eight have, then lists what its checkout holds.
    const script = [
      'echo "commit=$(git rev-parse HEAD)"',
      'echo "version=$(cat version.txt)"',
      'echo "$KINGLY_JOB_ID" > "mine-$KINGLY_JOB_ID.txt"',
      'touch "$BARRIER/$KINGLY_JOB_ID"',
      'i=0; while [ "$(ls "$BARRIER" | wc -l)" -lt 8 ]; do i=$((i+1)); if [ $i -gt 2400 ]; then echo barrier-timeout; exit 9; fi; sleep 0.05; done',
      'echo "seen=$(ls mine-*.txt | tr "\\n" " ")"',
      'echo "status=$(git status --porcelain --untracked-files=all | tr "\\n" " ")"',
    ].join('\n');
    const refs = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? undefined : first));
    const ids = (await h.client.enqueueMany(
      refs.map((ref) => ({ command: script, env: { BARRIER: barrier }, worktree: { repo: repo.path, ...(ref ? { ref } : {}) } })),
    )).map((j) => j.id);
    const records = await h.client.waitForJobs(ids, { timeoutMs: 120_000 });
    for (const [i, record] of records.entries()) {
      const id = ids[i]!;
      const expected = refs[i] ? first : second;
      const log = (await logLines(h.client, id)).join('\n');
      expect(record.state, log).toBe('succeeded');
      expect(record).toMatchObject({ repo: repo.path, ref: refs[i] ?? 'HEAD', commit: expected, branch: null });
      expect(record.worktreePath).toMatch(new RegExp(`^${join(home, 'worktrees')}/repo-[0-9a-f]{12}/${id}$`));
      expect(record.cwd).toBe(record.worktreePath);
      expect(log).toContain(`stdout:commit=${expected}`);
      expect(log).toContain(`stdout:version=${refs[i] ? 'v1' : 'v2'}`);
      // Only its own file, in a checkout that is otherwise clean.
      expect(log).toContain(`stdout:seen=mine-${id}.txt \n`);
      expect(log).toContain(`stdout:status=?? mine-${id}.txt \n`);
      expect(log).toContain(`system:[kingly] worktree ${record.worktreePath} removed`);
    }
    expect(repo.worktrees()).toBe(before);
    expect(worktreesLeft()).toEqual([]);
    expect(git(repo.path, 'status', '--porcelain')).toBe('');
    expect(gitAdminEntries()).toEqual([]);
    expect(existsSync(join(repo.path, '.git', 'kingly-worktrees.lock'))).toBe(false);
  }, 180_000);

  it('ends spawn-failed with git’s words for an unknown ref, a path that is no repository and a branch checked out elsewhere', async () => {
    await h.startWorker({ home });
    const before = repo.worktrees();
    const plain = join(tmp.path, 'plain');
    mkdirSync(plain);
    const [unknown, notRepo, inUse] = (await h.client.enqueueMany([
      { command: 'echo never', worktree: { repo: repo.path, ref: 'no-such-ref' } },
      { command: 'echo never', worktree: { repo: plain } },
      { command: 'echo never', worktree: { repo: repo.path, branch: 'main' } },
    ])).map((j) => j.id);
    const [a, b, c] = await h.client.waitForJobs([unknown!, notRepo!, inUse!], { timeoutMs: 30_000 });
    expect(a).toMatchObject({ state: 'spawn-failed', ref: 'no-such-ref', commit: null, worktreePath: null });
    expect(a!.reason).toMatch(/unknown ref 'no-such-ref' in .*fatal: Needed a single revision/);
    expect((await logLines(h.client, unknown!)).join('\n')).toMatch(/system:\[kingly\] could not start: unknown ref 'no-such-ref'/);
    expect(b).toMatchObject({ state: 'spawn-failed' });
    expect(b!.reason).toMatch(/is not a git repository on this worker \(git: fatal: not a git repository/);
    expect(c).toMatchObject({ state: 'spawn-failed', branch: 'main' });
    expect(c!.reason).toMatch(new RegExp(`branch 'main' is already checked out at ${repo.path}`));
    expect(repo.worktrees()).toBe(before);
    expect(worktreesLeft()).toEqual([]);
    expect(repo.branches()).toEqual(['main']);
  });

  it('refuses an invalid branch name or a relative repository path at enqueue', async () => {
    await expect(h.client.enqueue({ command: 'true', worktree: { repo: repo.path, branch: 'bad..name' } })).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(/worktree\.branch: expected a branch name .* got 'bad\.\.name': it contains '\.\.'/),
    });
    await expect(h.client.enqueue({ command: 'true', worktree: { repo: 'relative/path' } })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(h.client.enqueue({ command: 'true', cwd: repo.path, worktree: { repo: repo.path } })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });

  it('keeps a branch the job committed to, drops one it left unused, and keeps the worktree when asked', async () => {
    await h.startWorker({ home });
    const before = repo.worktrees();
    const [withCommit, unused, kept] = (await h.client.enqueueMany([
      { command: 'echo new > new.txt && git add new.txt && git commit --quiet -m "from the job"', worktree: { repo: repo.path, branch: 'feature/job' } },
      { command: 'true', worktree: { repo: repo.path, branch: 'feature/unused', ref: first } },
      { command: 'echo scratch > scratch.txt', worktree: { repo: repo.path, keep: true } },
    ])).map((j) => j.id);
    const [a, b, c] = await h.client.waitForJobs([withCommit!, unused!, kept!], { timeoutMs: 60_000 });
    expect(a).toMatchObject({ state: 'succeeded', branch: 'feature/job', commit: second });
    expect(b).toMatchObject({ state: 'succeeded', branch: 'feature/unused', commit: first });
    expect(repo.branches()).toEqual(['feature/job', 'main']);
    expect(git(repo.path, 'log', '--format=%s', 'feature/job')).toBe('from the job\nsecond\nfirst');
    expect((await logLines(h.client, withCommit!)).join('\n')).toContain("[kingly] branch 'feature/job' kept: 1 new commit(s)");
    expect(existsSync(a!.worktreePath!)).toBe(false);
    expect(existsSync(b!.worktreePath!)).toBe(false);

    // The kept one is there, unlocked, with what the job wrote; git knows it.
    expect(c!.state).toBe('succeeded');
    expect(existsSync(join(c!.worktreePath!, 'scratch.txt'))).toBe(true);
    expect(repo.worktrees()).toContain(`worktree ${c!.worktreePath}\nHEAD ${second}\ndetached`);
    expect(repo.worktrees()).not.toContain('locked');
    // Once the user removes it, the cleanup forgets it and nothing is left.
    git(repo.path, 'worktree', 'remove', '--force', c!.worktreePath!);
    await cleanupWorktrees({ home, isJobFinished: async () => true });
    expect(repo.worktrees()).toBe(before);
    expect(worktreesLeft()).toEqual([]);

    // The branch with commits goes on in a later job.
    const { id } = await h.client.enqueue({ command: 'cat new.txt', worktree: { repo: repo.path, branch: 'feature/job' } });
    const again = await h.client.waitForJob(id, { timeoutMs: 30_000 });
    expect(again.state).toBe('succeeded');
    expect(again.commit).toBe(git(repo.path, 'rev-parse', 'feature/job'));
    expect(await logLines(h.client, id)).toContain('stdout:new');
    expect(repo.branches()).toEqual(['feature/job', 'main']);
  }, 90_000);

  it('cleans up when the job is cancelled mid-run', async () => {
    await h.startWorker({ home });
    const before = repo.worktrees();
    const { id } = await h.client.enqueue({ command: 'echo started; sleep 300', worktree: { repo: repo.path, branch: 'cancel-me' } });
    await waitFor(async () => (await logLines(h.client, id)).includes('stdout:started'), { timeoutMs: 20_000, message: 'the job to start in its worktree' });
    const path = (await h.client.getJob(id)).worktreePath!;
    expect(existsSync(join(path, 'version.txt'))).toBe(true);
    const { record } = await h.client.cancel(id, { graceMs: 500 });
    expect(record.state).toBe('cancelled');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(existsSync(path)).toBe(false);
    expect(repo.worktrees()).toBe(before);
    expect(repo.branches()).toEqual(['main']);
    expect(worktreesLeft()).toEqual([]);
  });

  it('cancels a job while its worktree setup runs: setup killed, command never started, nothing left', async () => {
    writeFileSync(join(repo.path, 'kingly.config.json'), JSON.stringify({ worktree: { setup: 'echo setting up; sleep 300' } }));
    repo.commit('config', {});
    await h.startWorker({ home });
    const before = repo.worktrees();
    const { id } = await h.client.enqueue({ command: 'echo never-runs', worktree: { repo: repo.path } });
    await waitFor(async () => (await logLines(h.client, id)).includes('system:[setup] setting up'), { timeoutMs: 20_000, message: 'the setup to run' });
    expect((await h.client.getJob(id)).state).toBe('running');
    const { record, action } = await h.client.cancel(id, { graceMs: 500 });
    expect(action).toBe('killed');
    expect(record.state).toBe('cancelled');
    expect(record.pid).toBeNull();
    expect(await logLines(h.client, id)).not.toContain('stdout:never-runs');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(repo.worktrees()).toBe(before);
    expect(worktreesLeft()).toEqual([]);
  });

  it('ends timed-out when the timeout passes during setup', async () => {
    writeFileSync(join(repo.path, 'kingly.config.json'), JSON.stringify({ worktree: { setup: 'sleep 300' } }));
    repo.commit('config', {});
    await h.startWorker({ home });
    const { id } = await h.client.enqueue({ command: 'echo never-runs', worktree: { repo: repo.path }, limits: { timeoutMs: 1500 } });
    const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
    expect(record.state).toBe('timed-out');
    expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
    expect(worktreesLeft()).toEqual([]);
  });

  it('works from a clone URL through a mirror it fetches before each use', async () => {
    await h.startWorker({ home });
    const origin = join(tmp.path, 'origin.git');
    git(tmp.path, 'clone', '--bare', '--quiet', repo.path, origin);
    const url = `file://${origin}`;
    const { id: one } = await h.client.enqueue({ command: 'cat version.txt', worktree: { repo: url } });
    const a = await h.client.waitForJob(one, { timeoutMs: 30_000 });
    expect(a, (await logLines(h.client, one)).join('\n')).toMatchObject({ state: 'succeeded', repo: url, ref: 'HEAD', commit: second });
    expect(await logLines(h.client, one)).toContain('stdout:v2');

    // New commits and a tag on the remote are seen by the next jobs.
    const third = repo.commit('third', { 'version.txt': 'v3\n' });
    git(repo.path, 'tag', 'v1', first);
    git(repo.path, 'push', '--quiet', '--tags', origin, 'main');
    const [two, three] = (await h.client.enqueueMany([
      { command: 'cat version.txt', worktree: { repo: url, ref: 'main' } },
      { command: 'cat version.txt', worktree: { repo: url, ref: 'v1', branch: 'from-tag' } },
    ])).map((j) => j.id);
    const [b, c] = await h.client.waitForJobs([two!, three!], { timeoutMs: 30_000 });
    expect(b).toMatchObject({ state: 'succeeded', commit: third });
    expect(await logLines(h.client, two!)).toContain('stdout:v3');
    expect(c).toMatchObject({ state: 'succeeded', commit: first, branch: 'from-tag' });
    // Jobs asked for together share one fetch.
    const logs = [...(await logLines(h.client, two!)), ...(await logLines(h.client, three!))].join('\n');
    expect(logs.match(/fetching file:\/\/\S+ into the mirror/g)).toHaveLength(1);

    const mirrors = readdirSync(join(home, 'mirrors')).filter((n) => n.endsWith('.git'));
    expect(mirrors).toHaveLength(1);
    expect(git(join(home, 'mirrors', mirrors[0]!), 'worktree', 'list', '--porcelain')).not.toContain(join(home, 'worktrees'));
    expect(worktreesLeft()).toEqual([]);
  }, 60_000);

  it('copies files from the main checkout and runs the setup commands before the job, in its log', async () => {
    await h.startWorker({ home });
    writeFileSync(join(repo.path, '.gitignore'), '.env\nkingly.config.json\n');
    writeFileSync(join(repo.path, '.env'), 'SECRET=from-main\n');
    writeFileSync(
      join(repo.path, 'kingly.config.json'),
      JSON.stringify({ worktree: { copy: ['.env', 'not-there.txt'], setup: ['echo ran > setup.txt', 'echo "setup sees $KINGLY_JOB_ID in $(basename "$KINGLY_WORKTREE")"'] } }),
    );
    const { id } = await h.client.enqueue({ command: 'cat .env setup.txt', worktree: { repo: repo.path } });
    const record = await h.client.waitForJob(id, { timeoutMs: 30_000 });
    const log = await logLines(h.client, id);
    expect(record.state, log.join('\n')).toBe('succeeded');
    expect(log).toEqual(
      expect.arrayContaining([
        'system:[kingly] copied .env from the main checkout',
        `system:[kingly] copy: not-there.txt is not in ${repo.path}, skipped`,
        'system:[kingly] setup: echo ran > setup.txt',
        `system:[setup] setup sees ${id} in ${id}`,
        'stdout:SECRET=from-main',
        'stdout:ran',
      ]),
    );
    // Setup ran before the command.
    expect(log.indexOf(`system:[setup] setup sees ${id} in ${id}`)).toBeLessThan(log.indexOf('stdout:ran'));
    expect(worktreesLeft()).toEqual([]);

    // A failing setup ends the job spawn-failed and leaves no worktree.
    writeFileSync(join(repo.path, 'kingly.config.json'), JSON.stringify({ worktree: { setup: 'echo broken >&2; exit 3' } }));
    const { id: failing } = await h.client.enqueue({ command: 'echo never', worktree: { repo: repo.path } });
    const failed = await h.client.waitForJob(failing, { timeoutMs: 30_000 });
    expect(failed).toMatchObject({ state: 'spawn-failed', reason: "worktree setup 'echo broken >&2; exit 3' exited with code 3" });
    expect(await logLines(h.client, failing)).toContain('system:[setup] broken');
    expect(worktreesLeft()).toEqual([]);
    expect(gitAdminEntries()).toEqual([]);
  }, 60_000);

  it('removes a git ref lock left by a dead git, and reports one that is fresh', async () => {
    await h.startWorker({ home });
    const lockFile = join(repo.path, '.git', 'refs', 'heads', 'locked-branch.lock');
    writeFileSync(lockFile, '');
    const { id: fresh } = await h.client.enqueue({ command: 'true', worktree: { repo: repo.path, branch: 'locked-branch' } });
    const a = await h.client.waitForJob(fresh, { timeoutMs: 30_000 });
    expect(a.state).toBe('spawn-failed');
    expect(a.reason).toMatch(/git worktree add failed: .*locked-branch\.lock': File exists/);
    expect(existsSync(lockFile)).toBe(true);

    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(lockFile, old, old);
    const { id: stale } = await h.client.enqueue({ command: 'true', worktree: { repo: repo.path, branch: 'locked-branch' } });
    const b = await h.client.waitForJob(stale, { timeoutMs: 30_000 });
    expect(b.state).toBe('succeeded');
    expect((await logLines(h.client, stale)).join('\n')).toMatch(/removed .*locked-branch\.lock: a git lock file left \d+s ago/);
    expect(worktreesLeft()).toEqual([]);
  });
});

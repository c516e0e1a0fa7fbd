import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRepo, pidsWithEnv, tempDir, waitFor, type TestRepo } from '@kingly/testing';
import { createHarness, exited, logLines, spawnWorkerProcess, type Harness } from './harness.js';
import { leftUnder } from './worktree-fixtures.js';

// Short heartbeats and locks so the dead worker is noticed in seconds.
const fast = { heartbeatMs: 300, reapIntervalMs: 300, lockDurationMs: 1500 };

describe('worktrees after a worker crash', () => {
  let tmp: { path: string; remove: () => void };
  let repo: TestRepo;
  let h: Harness;

  beforeEach(() => {
    tmp = tempDir('kingly-wt-crash');
    repo = makeRepo(join(tmp.path, 'repo'));
    repo.commit('first', { 'a.txt': 'a\n' });
    h = createHarness('wt-crash');
  });
  afterEach(async () => {
    await h.close();
    tmp.remove();
  });

  it('leaves nothing behind once a worker starts again on the host', async () => {
    const home = join(tmp.path, 'home');
    const before = repo.worktrees();
    const doomed = await spawnWorkerProcess(h, { ...fast, home });
    const { id } = await h.client.enqueue({ command: 'echo started; sleep 300', worktree: { repo: repo.path, branch: 'crashed' } });
    try {
      await waitFor(async () => (await logLines(h.client, id)).includes('stdout:started'), { timeoutMs: 20_000, message: 'the job to start on the doomed worker' });
      const path = (await h.client.getJob(id)).worktreePath!;
      doomed.child.kill('SIGKILL');
      await exited(doomed.child);
      // Nobody cleaned up: the worktree, git's locked entry and the branch are all still there.
      expect(existsSync(path)).toBe(true);
      expect(repo.worktrees()).toContain(`worktree ${path}`);
      expect(repo.worktrees()).toContain('locked kingly job');
      expect(repo.branches()).toEqual(['crashed', 'main']);

      await h.startWorker({ ...fast, home });
      await waitFor(() => leftUnder(join(home, 'worktrees')).length === 0, { timeoutMs: 20_000, message: 'the restarted worker to remove the worktree' });
      expect(existsSync(path)).toBe(false);
      expect(repo.worktrees()).toBe(before);
      expect(repo.branches()).toEqual(['main']);
      const record = await h.client.waitForJob(id, { timeoutMs: 20_000 });
      expect(record.state).toBe('worker-lost');
      await waitFor(() => pidsWithEnv('KINGLY_JOB_ID', id).length === 0, { timeoutMs: 10_000, message: 'the orphaned job to be killed' });
    } finally {
      for (const pid of pidsWithEnv('KINGLY_JOB_ID', id)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, waitFor, type TestRepo } from '@kingly/testing';
import { execa } from 'execa';
import { kingly, KINGLY_BIN } from './helpers.js';
import { hostsSetup } from './host-workers.js';

// A stream set of a URL repository: a bare repository served as a file:// URL is the remote, and
// workers of two host ids ('alpha', 'beta', each with a KINGLY_HOME of its own, as on two
// machines) hold mirrors of it. sync, merge and clean run as jobs on the host of the streams'
// worktrees (alpha) while beta is idle beside it; merge pushes to the URL.
const { tmp, env, client, start, stop } = hostsSetup('url');
const bare = join(tmp.path, 'remote.git');
const url = `file://${bare}`;
/** A clone of the remote, where "someone else" pushes to the base. */
let upstream: TestRepo;

interface GitJson { ahead: number; behind: number; filesChanged: number; conflicts: string[] }
interface StreamJson { stream: string; branch: string; worktree: string; host: string; state: string; git: GitJson | null; gitNote?: string }
interface SyncJson { stream: string; outcome: string; committed: boolean; conflicts: string[] }

/** Commits `files` in the upstream clone and pushes them to the remote's main; the new sha. */
function pushToBase(message: string, files: Record<string, string>): string {
  git(upstream.path, 'pull', '--quiet', '--ff-only', 'origin', 'main');
  const sha = upstream.commit(message, files);
  git(upstream.path, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  return sha;
}
const isAncestor = (cwd: string, ancestor: string, of: string): boolean => {
  try {
    git(cwd, 'merge-base', '--is-ancestor', ancestor, of);
    return true;
  } catch {
    return false;
  }
};
const mirrorOf = (worktree: string): string => git(worktree, 'rev-parse', '--path-format=absolute', '--git-common-dir');
const mirrorBranches = (mirror: string): string[] => git(mirror, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean).sort();
/** Hosts that ran the jobs of `name` (sync, merge, clean jobs are named after what they do). */
async function hostsOf(name: string): Promise<string[]> {
  const jobs = await client.listJobs({ limit: 1000 });
  return [...new Set(jobs.filter((j) => j.name?.startsWith(name)).map((j) => `${j.state}@${j.host}`))].sort();
}
/** The figures jobs of status for set `name`, as state@host, one per job. */
async function statusJobs(name: string): Promise<string[]> {
  const jobs = await client.listJobs({ limit: 1000 });
  return jobs.filter((j) => j.name?.startsWith(`parallel status ${name} `)).map((j) => `${j.state}@${j.host}`).sort();
}
/** `parallel status <name> --json`: its streams, stderr and how long it took. */
async function statusOf(name: string, ...args: string[]): Promise<{ streams: StreamJson[]; stderr: string; ms: number }> {
  const started = Date.now();
  const result = await kingly(['parallel', 'status', name, '--json', ...args], env, { cwd: tmp.path, timeoutMs: 120_000 });
  expect(result.exitCode, result.stderr).toBe(0);
  return { streams: (JSON.parse(result.stdout) as { streams: StreamJson[] }).streams, stderr: result.stderr, ms: Date.now() - started };
}

beforeAll(() => {
  const seed = makeRepo(join(tmp.path, 'seed'));
  seed.commit('first', { 'README.md': 'hello\n' });
  git(tmp.path, 'clone', '--quiet', '--bare', seed.path, bare);
  git(tmp.path, 'clone', '--quiet', url, join(tmp.path, 'upstream'));
  upstream = makeRepo(join(tmp.path, 'upstream'));
}, 60_000);

describe('a stream set of a URL repository', () => {
  it('sync, merge and clean run on the host of the worktrees: merge pushes to the URL, conflicts are refused with their files', async () => {
    // Both streams are made on alpha (the only worker then); beta starts after and must never take their git work.
    await start('alpha');
    const init = await kingly(['parallel', 'init', 'demo', '--streams=2', '--prompt', 'add a greeting [turns:1]', '--repo', url, '-f', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(init.exitCode, init.stderr).toBe(0);
    const streams = (JSON.parse(init.stdout) as { streams: StreamJson[] }).streams;
    // Its git figures come from a job on alpha, in alpha's mirror: one commit ahead each, the base not moved.
    expect(streams.map((s) => [s.stream, s.state, s.host, s.git])).toEqual([
      ['1', 'succeeded', 'alpha', { ahead: 1, behind: 0, filesChanged: 1, conflicts: [] }],
      ['2', 'succeeded', 'alpha', { ahead: 1, behind: 0, filesChanged: 1, conflicts: [] }],
    ]);
    const [one, two] = streams as [StreamJson, StreamJson];
    const mirror = mirrorOf(one.worktree);
    await start('beta');

    // sync without a conflict: leftovers of stream 1 become their own commit, the base's new commit comes in.
    writeFileSync(join(one.worktree, 'leftover.txt'), 'not committed by the agent\n');
    const news = pushToBase('news on the base', { 'base.txt': 'new\n' });
    expect((await statusOf('demo')).streams.map((s) => [s.stream, s.git])).toEqual([
      ['1', { ahead: 1, behind: 1, filesChanged: 1, conflicts: [] }],
      ['2', { ahead: 1, behind: 1, filesChanged: 1, conflicts: [] }],
    ]);
    const synced = await kingly(['parallel', 'sync', 'demo', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(synced.exitCode, synced.stderr).toBe(0);
    expect((JSON.parse(synced.stdout) as SyncJson[]).map((r) => [r.stream, r.outcome, r.committed, r.conflicts])).toEqual([
      ['1', 'synced', true, []],
      ['2', 'synced', false, []],
    ]);
    for (const s of streams) expect(isAncestor(s.worktree, news, 'HEAD'), `stream ${s.stream} has the base's new commit`).toBe(true);
    expect(git(one.worktree, 'log', '-1', '--skip=1', '--format=%s')).toBe('kingly parallel sync: commit what the agent left uncommitted');
    expect(git(one.worktree, 'status', '--porcelain')).toBe('');
    expect(await hostsOf('parallel sync demo/')).toEqual(['succeeded@alpha']);

    // merge: the stream's commits reach the remote's main; the temporary worktree is gone.
    const tip = git(one.worktree, 'rev-parse', 'HEAD');
    const merged = await kingly(['parallel', 'merge', 'demo', '1', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(merged.exitCode, merged.stderr).toBe(0);
    const { into, commit } = JSON.parse(merged.stdout) as { into: string; commit: string };
    expect(into).toBe('main');
    expect(git(bare, 'rev-parse', 'refs/heads/main')).toBe(commit);
    expect(isAncestor(bare, tip, 'main')).toBe(true);

    const nowhere = await kingly(['parallel', 'merge', 'demo', '1', '--into', 'nowhere'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(nowhere.exitCode).toBe(2);
    expect(nowhere.stderr).toContain(`'nowhere' is not a branch of ${url}`);

    // The base now has stream 1's greeting.txt: status names it as stream 2's conflict.
    const afterMerge = (await statusOf('demo')).streams;
    expect(afterMerge.find((s) => s.stream === '2')?.git).toMatchObject({ conflicts: ['greeting.txt'] });
    expect(afterMerge.find((s) => s.stream === '1')?.git).toMatchObject({ ahead: 0, conflicts: [] });
    expect(await hostsOf('parallel status demo')).toEqual(['succeeded@alpha']);
    expect(git(mirror, 'for-each-ref', 'refs/kingly/'), "status's own refs of the base are gone").toBe('');

    // merge refused: stream 2 wrote greeting.txt too; nothing is pushed, no temporary worktree is left.
    const refused = await kingly(['parallel', 'merge', 'demo', '2'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('kingly: demo/2 conflicts with main in 1 file(s): greeting.txt; nothing was merged');
    expect(git(bare, 'rev-parse', 'refs/heads/main')).toBe(commit);
    const listed = git(mirror, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length)).sort();
    expect(listed).toEqual([mirror.replace(/\/$/, ''), one.worktree, two.worktree].sort());
    expect(await hostsOf('parallel merge demo/')).toEqual(['succeeded@alpha']);

    // sync with a conflict: stream 2 is left as it was (no merge in progress), its files named; exit 1.
    const before = git(two.worktree, 'rev-parse', 'HEAD');
    const conflicted = await kingly(['parallel', 'sync', 'demo', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(conflicted.exitCode).toBe(1);
    const results = JSON.parse(conflicted.stdout) as SyncJson[];
    expect(results.find((r) => r.stream === '2')).toMatchObject({ outcome: 'conflict', conflicts: ['greeting.txt'] });
    expect(git(two.worktree, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(two.worktree, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(git(two.worktree, 'rev-parse', '--absolute-git-dir'), 'MERGE_HEAD'))).toBe(false);

    // clean: worktrees removed on alpha, the merged branch deleted, the unmerged one kept (then deleted with --force).
    const cleaned = await kingly(['parallel', 'clean', 'demo', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(JSON.parse(cleaned.stdout)).toMatchObject({ worktreesRemoved: [one.worktree, two.worktree], branchesDeleted: ['demo/1'], branchesKept: ['demo/2'], removed: false });
    expect(existsSync(one.worktree) || existsSync(two.worktree)).toBe(false);
    expect(existsSync(`${one.worktree}.json`)).toBe(false);
    expect(mirrorBranches(mirror)).toEqual(['demo/2']);
    expect(git(mirror, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).toHaveLength(1);
    const forced = await kingly(['parallel', 'clean', 'demo', '--force', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ worktreesRemoved: [], branchesDeleted: ['demo/2'], removed: true });
    expect(mirrorBranches(mirror)).toEqual([]);
    expect(git(mirror, 'for-each-ref', 'refs/kingly/'), "clean's own ref of the base is gone").toBe('');
    expect(await hostsOf('parallel clean demo')).toEqual(['succeeded@alpha']);
    expect((await kingly(['parallel', 'list', '--json'], env, { cwd: tmp.path })).stdout).not.toContain('"demo"');
  }, 300_000);

  it("status with the worktrees' host busy or down: figures unknown within --git-timeout, no job left queued; sync --rebase says so and waits (beta idle) until one starts", async () => {
    const init = await kingly(['parallel', 'init', 'later', '--streams=1', '--prompt', 'work [turns:1] [file:later.txt]', '--repo', url, '-f', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(init.exitCode, init.stderr).toBe(0);
    const [stream] = (JSON.parse(init.stdout) as { streams: StreamJson[] }).streams as [StreamJson];

    // Its host busy (both slots taken by sleeps): status waits --git-timeout, then the figures are unknown and the job is removed, not left queued.
    const sleeps = await Promise.all([1, 2].map(async () => (JSON.parse((await kingly(['run', '--json', '--host', stream.host, '--', 'sleep', '600'], env, { cwd: tmp.path })).stdout) as { id: string }).id));
    await waitFor(async () => (await Promise.all(sleeps.map((id) => client.getJob(id)))).every((j) => j.state === 'running'), { timeoutMs: 60_000, message: `two sleeps running on ${stream.host}` });
    const busy = await statusOf('later', '--git-timeout', '2s');
    expect(busy.streams[0]?.git).toBeNull();
    expect(busy.streams[0]?.gitNote).toMatch(/^job \S+ was not done within 2(\.0)?s \(removed from its queue\)$/);
    expect(busy.stderr).toContain(`kingly: git figures of later/1 on ${stream.host} unknown: job `);
    // The one before it is init's (-f prints the status), done on the host.
    expect(await statusJobs('later')).toEqual(['cancelled@null', `succeeded@${stream.host}`]);
    // Ctrl-C while status waits: its job is taken back too, exit 130.
    const waiting = execa(process.execPath, [KINGLY_BIN, 'parallel', 'status', 'later', '--git-timeout', '120s'], { env, extendEnv: false, cwd: tmp.path, reject: false, timeout: 120_000 });
    const figuresJob = await waitFor(async () => (await client.listJobs({ limit: 1000 })).find((j) => j.name?.startsWith('parallel status later ') && j.state === 'queued'), { timeoutMs: 60_000, message: 'the figures job of the waiting status was queued' });
    waiting.kill('SIGINT');
    const interrupted = await waiting;
    expect(interrupted.exitCode, String(interrupted.stderr)).toBe(130);
    expect(interrupted.stderr).toContain('kingly: interrupted; the git jobs not done were taken back');
    expect((await client.getJob(figuresJob.id)).state).toBe('cancelled');
    for (const id of sleeps) await client.cancel(id, { graceMs: 1000 });

    // No worker of its host up: no job is queued at all, the figures are unknown at once, and why is said.
    await stop(stream.host);
    const down = await statusOf('later', '--git-timeout', '60s');
    expect(down.streams[0]).toMatchObject({ state: 'succeeded', git: null, gitNote: `no worker of host '${stream.host}' is up` });
    expect(down.stderr).toContain(`kingly: git figures of later/1 on ${stream.host} unknown: no worker of host '${stream.host}' is up`);
    expect(down.ms, 'status did not wait for the 60 s of --git-timeout').toBeLessThan(30_000);
    expect(await statusJobs('later')).toEqual(['cancelled@null', 'cancelled@null', `succeeded@${stream.host}`]);
    expect((await statusOf('later', '--no-git')).streams[0]).toMatchObject({ git: null });
    const news = pushToBase('news for later', { 'later-base.txt': 'new\n' });
    const syncing = kingly(['parallel', 'sync', 'later', '--rebase', '--json'], env, { cwd: tmp.path, timeoutMs: 180_000 });
    const queued = await waitFor(async () => (await client.listJobs({ limit: 1000 })).find((j) => j.name === 'parallel sync later/1'), { timeoutMs: 60_000, message: 'the sync job of later/1 was queued' });
    expect(queued).toMatchObject({ state: 'queued', queue: `commands@${stream.host}` });
    // A job on the shared queue runs on the idle worker meanwhile; the sync job still waits.
    const other = await kingly(['run', '--json', '--', 'true'], env, { cwd: tmp.path });
    const otherId = (JSON.parse(other.stdout) as { id: string }).id;
    expect((await client.waitForJob(otherId, { timeoutMs: 60_000 })).state).toBe('succeeded');
    expect((await client.getJob(queued.id)).state).toBe('queued');
    await start(stream.host);
    const synced = await syncing;
    expect(synced.exitCode, synced.stderr).toBe(0);
    expect(synced.stderr).toContain(`no worker of host '${stream.host}' is taking jobs from queue 'commands' yet; the job waits for one`);
    expect(JSON.parse(synced.stdout)).toMatchObject([{ stream: '1', outcome: 'synced' }]);
    // Rebased: the stream's commit now sits on the base's new one, with no merge commit.
    expect(git(stream.worktree, 'rev-parse', 'HEAD~1')).toBe(news);
    expect(git(stream.worktree, 'rev-list', '--merges', `${news}..HEAD`)).toBe('');
    expect(await client.getJob(queued.id)).toMatchObject({ state: 'succeeded', host: stream.host });
    expect((await kingly(['parallel', 'clean', 'later', '--force'], env, { cwd: tmp.path, timeoutMs: 120_000 })).exitCode).toBe(0);
  }, 300_000);

  it('status --watch reads the git figures when a run ends, not every frame', async () => {
    const tasks = join(tmp.path, 'watched.json');
    writeFileSync(tasks, JSON.stringify([{ name: 'quick', prompt: 'quick [turns:1] [file:quick.txt]' }, { name: 'slow', prompt: 'slow [turns:8][slow:500] [file:slow.txt]' }]));
    const init = await kingly(['parallel', 'init', 'watched', '--tasks', tasks, '--repo', url], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(init.exitCode, init.stderr).toBe(0);
    const watch = await kingly(['parallel', 'status', 'watched', '--watch', '--json'], env, { cwd: tmp.path, timeoutMs: 120_000 });
    expect(watch.exitCode, watch.stderr).toBe(0);
    const frames = watch.stdout.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { streams: StreamJson[] }).streams);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const stream of frames.at(-1)!) expect(stream).toMatchObject({ state: 'succeeded', git: { ahead: 1, behind: 0, filesChanged: 1, conflicts: [] } });
    // A running stream's figures wait for its end; an ended one's are read once, when it ends (or at the start).
    for (const frame of frames) for (const s of frame) if (s.state === 'running' || s.state === 'queued') expect(s).toMatchObject({ git: null, gitNote: `its agent is ${s.state}` });
    expect(frames.some((f) => f.some((s) => s.state === 'running') && f.some((s) => s.git !== null)), 'a frame with the quick stream\'s figures while the slow one runs').toBe(true);
    expect((await statusJobs('watched')).length).toBeLessThanOrEqual(2);
    expect((await kingly(['parallel', 'clean', 'watched', '--force'], env, { cwd: tmp.path, timeoutMs: 120_000 })).exitCode).toBe(0);
  }, 300_000);
});

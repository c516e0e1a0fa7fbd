import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinglyClient, type JobRecord } from '@kingly/cmd';
import { git, installFixtureAgent, isAlive, makeRepo, tempDir, waitFor, type TestRepo } from '@kingly/testing';
import { kingly, startWorkerProcess, workerForFile, type WorkerProcess } from './helpers.js';

// `kingly parallel`: the built binary, real `kingly worker` processes, real git repositories and
// the fixture agent installed as `claude` on the workers' PATH (it speaks Claude Code's stream-json
// protocol, commits in its worktree and keeps sessions for --resume).
const agentDir = tempDir('kingly-agent');
const agent = installFixtureAgent(agentDir.path);
const { env } = workerForFile('parallel', ['--concurrency', '4']);
Object.assign(env, agent.env);

interface StatusJson {
  name: string;
  base: string;
  repo: string;
  streams: Array<{
    stream: string;
    branch: string;
    worktree: string | null;
    host: string | null;
    jobId: string | null;
    state: string;
    agent: { sessionId: string | null; model: string | null; turns: number; inputTokens: number; outputTokens: number; costUsd: number; lastText: string | null; lastTool: string | null; result: { subtype: string; isError: boolean; text: string } | null };
    git: { ahead: number; behind: number; filesChanged: number; conflicts: string[] } | null;
  }>;
  totals: { costUsd: number; turns: number };
}

/** The fixture's figures for one run of `turns` turns at 1000 input tokens a turn (see claude-agent.js). */
const fixtureRun = (turns: number) => {
  // Input counts cache tokens too: 500 written in turn 1, 500 read in each turn after it.
  return { input: turns * 1000 + 500 + (turns - 1) * 500, output: turns * 200 };
};

let client: KinglyClient;
let second: WorkerProcess;
let tmp: { path: string; remove: () => void };
let repo: TestRepo;

beforeAll(async () => {
  client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
  // Two workers: the streams of a set spread over whichever takes them.
  second = await startWorkerProcess(env, ['--concurrency', '4']);
  tmp = tempDir('kingly-parallel');
  repo = makeRepo(join(tmp.path, 'repo'));
  repo.commit('first', { 'README.md': 'hello\n' });
}, 60_000);

afterAll(async () => {
  await second?.stop();
  await client?.close();
  tmp?.remove();
  agentDir.remove();
}, 60_000);

const status = async (name: string): Promise<StatusJson> => {
  const result = await kingly(['parallel', 'status', name, '--json'], env, { cwd: repo.path });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as StatusJson;
};

/** Waits until every stream of the set has a run and all have ended. */
async function settled(name: string, timeoutMs = 90_000): Promise<StatusJson> {
  let last: StatusJson | undefined;
  await waitFor(
    async () => {
      last = await status(name);
      return last.streams.every((s) => s.jobId !== null && !['queued', 'running'].includes(s.state));
    },
    { timeoutMs, intervalMs: 300, message: `every stream of '${name}' ended (last: ${JSON.stringify(last?.streams.map((s) => s.state))})` },
  );
  return last!;
}

const sessionFile = (id: string): { id: string; invocations: number } => JSON.parse(readFileSync(join(agent.stateDir, `${id}.json`), 'utf8')) as { id: string; invocations: number };

describe('kingly parallel', () => {
  it('init 2 streams: status shows both done with the session, turns, tokens and cost the agent reported, one commit ahead each', async () => {
    const init = await kingly(['parallel', 'init', 'demo', '--streams=2', '--prompt', 'add a greeting'], env, { cwd: repo.path });
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/stream set demo: 2 stream\(s\) of claude from main/);
    const s = await settled('demo');
    expect(s).toMatchObject({ name: 'demo', base: 'main', repo: repo.path });
    const { input, output } = fixtureRun(2);
    for (const [i, stream] of s.streams.entries()) {
      expect(stream).toMatchObject({ stream: String(i + 1), branch: `demo/${i + 1}`, state: 'succeeded' });
      expect(stream.agent.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(sessionFile(stream.agent.sessionId!).invocations).toBe(1);
      expect(stream.agent).toMatchObject({ model: 'claude-sonnet-4-5-20250929', turns: 2, inputTokens: input, outputTokens: output, costUsd: 0.014025 });
      expect(stream.agent.result).toMatchObject({ subtype: 'success', isError: false });
      expect(stream.agent.lastTool).toBe('Bash: git status --short');
      expect(stream.git).toEqual({ ahead: 1, behind: 0, filesChanged: 1, conflicts: [] });
      expect(stream.worktree && existsSync(stream.worktree)).toBe(true);
      expect(git(stream.worktree!, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`demo/${i + 1}`);
    }
    expect(s.streams[0]!.agent.sessionId).not.toBe(s.streams[1]!.agent.sessionId);
    expect(s.totals).toEqual({ costUsd: 0.02805, turns: 4 });
    // The user's checkout is untouched.
    expect(git(repo.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(repo.path, 'status', '--porcelain')).toBe('');

    const table = await kingly(['parallel', 'status', 'demo'], env, { cwd: repo.path });
    expect(table.stdout).toMatch(/^1\s+succeeded\s+\S+\s+\d+s\s+2\s+3000\/400\s+\$0\.0140\s+\+1\/-0\s+1\s+none\s+success: Done after 2 turns/m);
    const list = await kingly(['parallel', 'list', '--json'], env, { cwd: repo.path });
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ name: 'demo', streams: 2, states: { succeeded: 2 }, turns: 4 }));

    // The finished event carries the agent's result.
    const record = await client.getJob(s.streams[0]!.jobId!);
    expect(record.agent).toMatchObject({ name: 'claude', turns: 2, costUsd: 0.014025, result: { subtype: 'success' } });
  }, 120_000);

  it('logs: the agent output readably, tool calls one line each, the result', async () => {
    const logs = await kingly(['parallel', 'logs', 'demo', '1'], env, { cwd: repo.path });
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/^\[session [0-9a-f-]{36} · claude-sonnet-4-5-20250929\]$/m);
    expect(logs.stdout).toMatch(/^assistant: Turn 1: working on "add a greeting"$/m);
    expect(logs.stdout).toMatch(/^ {2}→ Write\(.*greeting\.txt\)$/m);
    expect(logs.stdout).toMatch(/^ {2}→ Bash\(git status --short\)$/m);
    expect(logs.stdout).toMatch(/^result: success after 2 turn\(s\) · \$0\.0140 — Done after 2 turns/m);
    expect(logs.stdout).not.toMatch(/"type":"assistant"/);
  }, 60_000);

  it('refuses an existing set, a dirty repository, an unknown base and an existing branch before queuing anything', async () => {
    const before = (await client.listJobs({ limit: 10_000 })).length;
    const again = await kingly(['parallel', 'init', 'demo', '--streams=1', '--prompt', 'x'], env, { cwd: repo.path });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/branch 'demo' exists already|branch 'demo\/1' exists already|stream set named 'demo' exists/);
    const base = await kingly(['parallel', 'init', 'other', '--streams=1', '--prompt', 'x', '--base', 'nope'], env, { cwd: repo.path });
    expect(base.exitCode).toBe(2);
    expect(base.stderr).toMatch(/--base: 'nope' is not a commit/);
    writeFileSync(join(repo.path, 'README.md'), 'changed\n');
    const dirty = await kingly(['parallel', 'init', 'other', '--streams=1', '--prompt', 'x'], env, { cwd: repo.path });
    git(repo.path, 'checkout', '--', 'README.md');
    expect(dirty.exitCode).toBe(2);
    expect(dirty.stderr).toMatch(/has uncommitted changes/);
    const missing = await kingly(['parallel', 'init', 'other', '--streams=1', '--prompt', 'x', '--repo', join(tmp.path, 'nowhere')], env, { cwd: repo.path });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/is not a git repository/);
    // A prompt too big for one argument is refused naming the field, and leaves no set behind.
    writeFileSync(join(tmp.path, 'huge.txt'), 'x'.repeat(200_000));
    const huge = await kingly(['parallel', 'init', 'other', '--streams=1', '--prompt-file', join(tmp.path, 'huge.txt')], env, { cwd: repo.path });
    expect(huge.exitCode).toBe(2);
    expect(huge.stderr).toMatch(/argv/);
    expect((await kingly(['parallel', 'list', '--json'], env, { cwd: repo.path })).stdout).not.toMatch(/"other"/);
    expect((await client.listJobs({ limit: 10_000 })).length).toBe(before);
    expect(repo.branches().filter((b) => b.startsWith('other'))).toEqual([]);
  }, 60_000);

  it('send resumes the session in the same worktree and branch; the figures add up', async () => {
    const before = await status('demo');
    const session = before.streams[0]!.agent.sessionId!;
    const sent = await kingly(['parallel', 'send', 'demo', '1', 'now say goodbye', '--json'], env, { cwd: repo.path });
    expect(sent.exitCode, sent.stderr).toBe(0);
    const { jobId } = JSON.parse(sent.stdout) as { jobId: string };
    const done = await client.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(done.state).toBe('succeeded');
    expect(done.cwd).toBe(before.streams[0]!.worktree);
    expect(done.argv).toEqual(expect.arrayContaining(['--resume', session]));
    const after = await status('demo');
    const stream = after.streams[0]!;
    expect(stream).toMatchObject({ jobId, state: 'succeeded' });
    expect(stream.agent).toMatchObject({ sessionId: session, turns: 4, costUsd: 0.02805 });
    expect(sessionFile(session).invocations).toBe(2);
    expect(stream.git).toMatchObject({ ahead: 2, behind: 0 });
    expect(readFileSync(join(stream.worktree!, 'greeting.txt'), 'utf8')).toMatch(/\(1\): add a greeting\n.*\(2\): now say goodbye\n/);
    expect(after.totals.turns).toBe(6);
  }, 90_000);

  it('sync brings the base into every stream in its worktree (committing leftovers); merge, then a conflicting stream is left as it was', async () => {
    // Something an agent left uncommitted, and a new commit on the base.
    const s = await status('demo');
    writeFileSync(join(s.streams[1]!.worktree!, 'left-over.txt'), 'uncommitted\n');
    repo.commit('base moves', { 'other.txt': 'base\n' });
    const sync = await kingly(['parallel', 'sync', 'demo', '--json'], env, { cwd: repo.path });
    expect(sync.exitCode, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toEqual([
      { stream: '1', branch: 'demo/1', outcome: 'synced', committed: false, conflicts: [] },
      { stream: '2', branch: 'demo/2', outcome: 'synced', committed: true, conflicts: [] },
    ]);
    expect(git(repo.path, 'log', '-1', '--skip=1', '--format=%s', 'demo/2')).toBe('kingly parallel sync: commit what the agent left uncommitted');
    for (const stream of (await status('demo')).streams) expect(stream.git).toMatchObject({ behind: 0 });
    expect(git(repo.path, 'status', '--porcelain')).toBe('');

    // Merge stream 1 into main (checked out, clean: fast-forwarded to the merge).
    const merge = await kingly(['parallel', 'merge', 'demo', '1'], env, { cwd: repo.path });
    expect(merge.exitCode, merge.stderr).toBe(0);
    expect(merge.stdout).toMatch(/^merged demo\/1 into main: [0-9a-f]{12}$/m);
    expect(readFileSync(join(repo.path, 'greeting.txt'), 'utf8')).toMatch(/now say goodbye/);
    expect(git(repo.path, 'merge-base', '--is-ancestor', 'demo/1', 'main')).toBe('');

    // Stream 2 wrote the same file differently: status names the conflict, sync leaves it as it was, merge refuses.
    const conflicted = (await status('demo')).streams[1]!;
    expect(conflicted.git?.conflicts).toEqual(['greeting.txt']);
    const tip = git(repo.path, 'rev-parse', 'demo/2');
    const sync2 = await kingly(['parallel', 'sync', 'demo'], env, { cwd: repo.path });
    expect(sync2.exitCode).toBe(1);
    expect(sync2.stdout).toMatch(/^2\s+demo\/2\s+conflict, left as it was: greeting\.txt$/m);
    expect(git(repo.path, 'rev-parse', 'demo/2')).toBe(tip);
    expect(git(conflicted.worktree!, 'status', '--porcelain')).toBe('');
    const mainTip = git(repo.path, 'rev-parse', 'main');
    const merge2 = await kingly(['parallel', 'merge', 'demo', '2'], env, { cwd: repo.path });
    expect(merge2.exitCode).toBe(1);
    expect(merge2.stderr).toMatch(/demo\/2 conflicts with main in 1 file\(s\): greeting\.txt; nothing was merged/);
    expect(git(repo.path, 'rev-parse', 'main')).toBe(mainTip);
    expect(git(repo.path, 'worktree', 'list', '--porcelain')).not.toMatch(/kingly-merge-/);
  }, 90_000);

  it('clean removes the worktrees and merged branches, keeps an unmerged one until --force, leaves no process', async () => {
    const s = await status('demo');
    const clean = await kingly(['parallel', 'clean', 'demo', '--json'], env, { cwd: repo.path });
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ branchesDeleted: ['demo/1'], branchesKept: ['demo/2'], removed: false });
    for (const stream of s.streams) expect(existsSync(stream.worktree!)).toBe(false);
    const force = await kingly(['parallel', 'clean', 'demo', '--force', '--json'], env, { cwd: repo.path });
    expect(JSON.parse(force.stdout)).toMatchObject({ branchesDeleted: ['demo/2'], removed: true });
    expect(repo.branches()).toEqual(['main']);
    expect(git(repo.path, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect((await kingly(['parallel', 'status', 'demo'], env, { cwd: repo.path })).exitCode).not.toBe(0);
    expect(agent.pids().filter(isAlive)).toEqual([]);
  }, 60_000);

  it("stop kills a running stream's tree and keeps its worktree", async () => {
    const init = await kingly(['parallel', 'init', 'halt', '--streams=1', '--prompt', 'long [turns:400][slow:100]', '--json'], env, { cwd: repo.path });
    expect(init.exitCode, init.stderr).toBe(0);
    const jobId = (JSON.parse(init.stdout) as { jobs: Record<string, string> }).jobs['1']!;
    await waitFor(async () => ((await client.getJob(jobId)).agent?.turns ?? 0) >= 1, { timeoutMs: 30_000, message: 'the agent reported its first turn' });
    const running = agent.pids().filter(isAlive);
    expect(running.length).toBeGreaterThan(0);
    const stop = await kingly(['parallel', 'stop', 'halt', '1'], env, { cwd: repo.path });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toContain(`stopped 1 run(s) of 'halt': ${jobId}`);
    const record = await client.getJob(jobId);
    expect(record.state).toBe('cancelled');
    expect(running.filter(isAlive)).toEqual([]);
    expect(existsSync(record.worktreePath!)).toBe(true);
    expect((await kingly(['parallel', 'clean', 'halt', '--force'], env, { cwd: repo.path })).exitCode).toBe(0);
    expect(existsSync(record.worktreePath!)).toBe(false);
  }, 90_000);

  it('--budget-usd: a stream past its budget is killed and ends cancelled with the reason', async () => {
    const init = await kingly(['parallel', 'init', 'budget', '--streams=1', '--prompt', 'spend [turns:200][slow:100]', '--budget-usd', '0.02'], env, { cwd: repo.path });
    expect(init.exitCode, init.stderr).toBe(0);
    const s = await settled('budget');
    const stream = s.streams[0]!;
    expect(stream.state).toBe('cancelled');
    const record = await client.getJob(stream.jobId!);
    expect(record.reason).toMatch(/^over budget: the agent's cost reached \$0\.0\d+, the budget is \$0\.02 \(--budget-usd\)$/);
    expect(stream.agent.costUsd).toBeGreaterThan(0.02);
    expect(stream.agent.turns).toBeLessThan(20);
    await waitFor(() => agent.pids().filter(isAlive).length === 0, { timeoutMs: 10_000, message: 'the over-budget agent is gone' });
    expect((await kingly(['parallel', 'clean', 'budget', '--force'], env, { cwd: repo.path })).exitCode).toBe(0);
  }, 90_000);

  it('--tasks with agents.maxConcurrent 1: three streams named by task, never two running at once over both workers', async () => {
    const here = join(tmp.path, 'capped');
    mkdirSync(here);
    writeFileSync(join(here, 'kingly.config.json'), JSON.stringify({ agents: { maxConcurrent: 1 } }));
    // Three streams from a task list: one branch per task name, each with its own prompt.
    const tasks = ['api', 'docs', 'ui'].map((name) => ({ name, prompt: `work on ${name} [turns:3][slow:100][file:${name}.txt]` }));
    writeFileSync(join(here, 'tasks.json'), JSON.stringify(tasks));
    const init = await kingly(['parallel', 'init', 'cap', '--tasks', 'tasks.json', '--repo', repo.path], env, { cwd: here });
    expect(init.exitCode, init.stderr).toBe(0);
    const s = await settled('cap');
    expect(s.streams.map((x) => [x.stream, x.branch, x.state])).toEqual([['api', 'cap/api', 'succeeded'], ['docs', 'cap/docs', 'succeeded'], ['ui', 'cap/ui', 'succeeded']]);
    for (const stream of s.streams) expect(git(repo.path, 'show', '--name-only', '--format=', stream.branch)).toBe(`${stream.stream}.txt`);
    // Runs never overlapped: each started after the one before ended.
    const records: JobRecord[] = await Promise.all(s.streams.map((x) => client.getJob(x.jobId!)));
    const spans = records.map((r) => [Date.parse(r.startedAt!), Date.parse(r.finishedAt!)] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i += 1) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    expect((await kingly(['parallel', 'clean', 'cap', '--force'], env, { cwd: repo.path })).exitCode).toBe(0);
  }, 120_000);

  it('a worker SIGKILLed under a running agent: the stream ends worker-lost and the agent is killed', async () => {
    const lostEnv = { ...env, KINGLY_QUEUE: 'agents-lost' };
    const lone = await startWorkerProcess(lostEnv, ['--concurrency', '1']);
    const init = await kingly(['parallel', 'init', 'lost', '--streams=1', '--prompt', 'long [turns:400][slow:100]', '--json'], lostEnv, { cwd: repo.path });
    expect(init.exitCode, init.stderr).toBe(0);
    const jobId = (JSON.parse(init.stdout) as { jobs: Record<string, string> }).jobs['1']!;
    await waitFor(async () => ((await client.getJob(jobId)).agent?.turns ?? 0) >= 1, { timeoutMs: 30_000, message: 'the agent reported its first turn' });
    const agents = agent.pids().filter(isAlive);
    expect(agents.length).toBeGreaterThan(0);
    // kingly status counts it.
    expect((await kingly(['status'], lostEnv, { cwd: repo.path })).stdout).toMatch(/^agents: 1 running, \d+ turns, \$0\.\d{4} so far/m);
    lone.process.kill('SIGKILL');
    await lone.stop();
    // A live worker on this host (the file's) reaps it once the dead one's heartbeat expires.
    const ended = await client.waitForJob(jobId, { timeoutMs: 60_000 });
    expect(ended.state).toBe('worker-lost');
    expect(ended.agent?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => agents.every((pid) => !isAlive(pid)), { timeoutMs: 20_000, message: 'the lost worker\'s agent was killed' });
    expect((await kingly(['parallel', 'clean', 'lost', '--force'], lostEnv, { cwd: repo.path })).exitCode).toBe(0);
  }, 120_000);
});

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { git, installFixtureAgent, isAlive, makeRepo, tempDir, waitFor, type TestRepo } from '@kingly/testing';
import { KINGLY_BIN, kingly, startWorkerProcess, workerForFile } from './helpers.js';
import { openTerminal, type Terminal } from './tmux.js';

// `kingly parallel` beyond parallel.test.ts: YAML task lists, init -f, status --watch frames as the
// agent goes on, an agent of format `text` (sets of a URL repository: parallel-url.test.ts).
const agentDir = tempDir('kingly-agent-more');
const agent = installFixtureAgent(agentDir.path);
const { env } = workerForFile('parallel-more', ['--concurrency', '4']);
Object.assign(env, agent.env);

let client: KinglyClient;
let tmp: { path: string; remove: () => void };
let repo: TestRepo;

beforeAll(() => {
  client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
  tmp = tempDir('kingly-parallel-more');
  repo = makeRepo(join(tmp.path, 'repo'));
  repo.commit('first', { 'README.md': 'hello\n' });
});

afterAll(async () => {
  await client?.close();
  tmp?.remove();
  agentDir.remove();
}, 60_000);

interface StreamJson {
  stream: string;
  branch: string;
  state: string;
  host: string | null;
  jobId: string | null;
  agent: { sessionId: string | null; model: string | null; turns: number; inputTokens: number; outputTokens: number; costUsd: number; lastText: string | null; lastTool: string | null; result: unknown };
  git: { ahead: number; behind: number; filesChanged: number; conflicts: string[] } | null;
}

let terminal: Terminal | undefined;
afterEach(() => {
  terminal?.close();
  terminal = undefined;
});

const clean = async (name: string): Promise<void> => {
  const result = await kingly(['parallel', 'clean', name, '--force'], env, { cwd: repo.path });
  expect(result.exitCode, result.stderr).toBe(0);
};

describe('kingly parallel, more', () => {
  it('init -f --tasks FILE.yaml: one stream per task, waits for them and prints their status', async () => {
    const here = join(tmp.path, 'yaml');
    mkdirSync(here);
    // Block style, a folded prompt and a comment: YAML, not JSON in disguise.
    writeFileSync(
      join(here, 'tasks.yaml'),
      ['# two tasks', '- name: api', '  prompt: >-', '    work on the api', '    [turns:1][file:api.txt]', '- name: docs', '  prompt: "work on the docs [turns:1][file:docs.txt]"', ''].join('\n'),
    );
    const init = await kingly(['parallel', 'init', 'yml', '--tasks', 'tasks.yaml', '--repo', repo.path, '-f', '--json'], env, { cwd: here, timeoutMs: 120_000 });
    expect(init.exitCode, init.stderr).toBe(0);
    const status = JSON.parse(init.stdout) as { name: string; streams: StreamJson[] };
    expect(status.name).toBe('yml');
    expect(status.streams.map((s) => [s.stream, s.branch, s.state, s.agent.turns])).toEqual([
      ['api', 'yml/api', 'succeeded', 1],
      ['docs', 'yml/docs', 'succeeded', 1],
    ]);
    expect(git(repo.path, 'show', '--name-only', '--format=', 'yml/api')).toBe('api.txt');
    const record = await client.getJob(status.streams[0]!.jobId!);
    expect(record.argv).toContain('work on the api [turns:1][file:api.txt]');
    // A YAML mistake names the file and the language.
    writeFileSync(join(here, 'bad.yml'), '- name: [unclosed\n');
    const bad = await kingly(['parallel', 'init', 'bad', '--tasks', 'bad.yml', '--repo', repo.path], env, { cwd: here });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--tasks: bad\.yml is not valid YAML/);
    await clean('yml');
  }, 150_000);

  it('status --watch, piped: one frame a second, turns going up while the agent works, until every stream has ended', async () => {
    const init = await kingly(['parallel', 'init', 'watch', '--streams=1', '--prompt', 'slowly [turns:6][slow:250]'], env, { cwd: repo.path });
    expect(init.exitCode, init.stderr).toBe(0);
    const watch = await execa(process.execPath, [KINGLY_BIN, 'parallel', 'status', 'watch', '--watch'], { env, extendEnv: false, cwd: repo.path, reject: false, timeout: 120_000 });
    expect(watch.exitCode, watch.stderr).toBe(0);
    const frames = watch.stdout.split(/^(?=watch: 1 stream\(s\) from )/m).filter((f) => f !== '');
    // Each frame is the table: its stream row gives the state and the turns so far.
    const rows = frames.map((frame) => {
      const row = /^1\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s/m.exec(frame);
      expect(row, frame).not.toBeNull();
      return { state: row![1]!, turns: Number(row![2]) };
    });
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.at(-1)).toEqual({ state: 'succeeded', turns: 6 });
    expect(rows.slice(0, -1).every((r) => r.state === 'queued' || r.state === 'running')).toBe(true);
    // The rows changed as the agent went on: turns never go down and took at least two values before the end.
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.turns).toBeGreaterThanOrEqual(rows[i - 1]!.turns);
    expect(new Set(rows.filter((r) => r.state === 'running').map((r) => r.turns)).size).toBeGreaterThanOrEqual(2);
    expect(watch.stdout).not.toContain('\x1b[2J');
    await clean('watch');
  }, 150_000);

  it('status --watch in a terminal (tmux): the table is redrawn in place as the turns go up, and left once the stream has ended', async () => {
    const init = await kingly(['parallel', 'init', 'tw', '--streams=1', '--prompt', 'slowly [turns:8][slow:250]'], env, { cwd: repo.path });
    expect(init.exitCode, init.stderr).toBe(0);
    terminal = openTerminal(`${JSON.stringify(process.execPath)} ${JSON.stringify(KINGLY_BIN)} parallel status tw --watch`, env);
    const turnsShown = (screen: string): number | undefined => {
      const row = /^1\s+running\s+\S+\s+\S+\s+(\d+)\s/m.exec(screen);
      return row ? Number(row[1]) : undefined;
    };
    let first: number | undefined;
    await waitFor(() => (first = turnsShown(terminal!.screen())) !== undefined && first >= 1, { timeoutMs: 60_000, intervalMs: 100, message: 'a running row with a turn' });
    await waitFor(() => (turnsShown(terminal!.screen()) ?? 0) > first!, { timeoutMs: 60_000, intervalMs: 100, message: `the row's turns to go past ${first}` });
    const last = await terminal.waitFor(/__SCRIPT_END__/, 'the watch to end with the stream', 90_000);
    // One table on the screen: each frame cleared the one before.
    expect(last.match(/^tw: 1 stream\(s\) from /gm)).toHaveLength(1);
    expect(last).toMatch(/^1\s+succeeded\s+\S+\s+\d+s\s+8\s/m);
    await clean('tw');
  }, 150_000);

  it('an agent of format text (a shell script that edits and commits): logs and process figures, no agent state, status shows it done', async () => {
    const here = join(tmp.path, 'text-agent');
    mkdirSync(here);
    const script = join(here, 'agent.sh');
    writeFileSync(script, ['#!/bin/sh', 'echo "thinking about: $1"', '# long enough for the worker to sample it', 'sleep 2', 'echo "$1" > notes.txt', 'git add notes.txt', 'git -c user.name=agent -c user.email=agent@example.com commit -q -m "notes: $1"', 'echo done >&2', ''].join('\n'));
    chmodSync(script, 0o755);
    writeFileSync(join(here, 'kingly.config.json'), JSON.stringify({ agents: { scripted: { argv: [script, '{prompt}'], format: 'text' } } }));
    const init = await kingly(['parallel', 'init', 'txt', '--streams=1', '--agent', 'scripted', '--prompt', 'write notes', '--repo', repo.path, '-f', '--json'], env, { cwd: here, timeoutMs: 120_000 });
    expect(init.exitCode, init.stderr).toBe(0);
    const [stream] = (JSON.parse(init.stdout) as { streams: StreamJson[] }).streams;
    expect(stream).toMatchObject({ stream: '1', branch: 'txt/1', state: 'succeeded', git: { ahead: 1, behind: 0, filesChanged: 1, conflicts: [] } });
    expect(stream!.agent).toMatchObject({ sessionId: null, model: null, turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, result: null });
    expect(git(repo.path, 'log', '-1', '--format=%s', 'txt/1')).toBe('notes: write notes');
    const record = await client.getJob(stream!.jobId!);
    expect(record).toMatchObject({ state: 'succeeded', exitCode: 0, argv: [script, 'write notes'] });
    expect(record.agent?.sessionId ?? null).toBeNull();
    expect(record.durationMs).toBeGreaterThan(1000);
    expect(record.peakRssBytes).toBeGreaterThan(0);
    const logs = await kingly(['logs', stream!.jobId!], env, { cwd: repo.path });
    expect(logs.stdout).toMatch(/^thinking about: write notes$/m);
    expect(logs.stderr).toMatch(/^done$/m);
    // The table reads it like any stream, with nothing in the agent's columns.
    const table = await kingly(['parallel', 'status', 'txt'], env, { cwd: repo.path });
    expect(table.stdout).toMatch(/^1\s+succeeded\s+\S+\s+\d+s\s+0\s+0\/0\s+\$0\.0000\s+\+1\/-0\s+1\s+none/m);
    // It has no session: send says so.
    const send = await kingly(['parallel', 'send', 'txt', '1', 'more'], env, { cwd: here });
    expect(send.exitCode).toBe(2);
    expect(send.stderr).toMatch(/has no agent session to continue/);
    await clean('txt');
  }, 150_000);

  it('agents.maxConcurrent 1 and a worker SIGKILLed under the running agent: the parked one starts once the lost one is reaped, not at the 60 s recheck', async () => {
    const here = join(tmp.path, 'cap-lost');
    mkdirSync(here);
    writeFileSync(join(here, 'kingly.config.json'), JSON.stringify({ agents: { maxConcurrent: 1 } }));
    writeFileSync(join(here, 'tasks.json'), JSON.stringify([{ name: 'long', prompt: 'long [turns:400][slow:100]' }, { name: 'short', prompt: 'short [turns:1]' }]));
    const qenv = { ...env, KINGLY_QUEUE: 'agents-cap-lost' };
    // One slot: the lone worker takes the first stream; the second is taken by the other worker and parked (cap 1).
    const lone = await startWorkerProcess(qenv, ['--concurrency', '1']);
    const init = await kingly(['parallel', 'init', 'caplost', '--tasks', 'tasks.json', '--repo', repo.path, '--json'], qenv, { cwd: here });
    expect(init.exitCode, init.stderr).toBe(0);
    const jobs = (JSON.parse(init.stdout) as { jobs: Record<string, string> }).jobs;
    await waitFor(async () => ((await client.getJob(jobs.long!)).agent?.turns ?? 0) >= 1, { timeoutMs: 30_000, message: 'the long agent reported its first turn' });
    const other = await startWorkerProcess(qenv, ['--concurrency', '2']);
    const queue = await client.queue('agents-cap-lost');
    await waitFor(async () => (await (await queue.getJob(jobs.short!))?.getState()) === 'delayed', { timeoutMs: 30_000, message: 'the short stream parked by the agent cap' });
    const agents = agent.pids().filter(isAlive);
    lone.process.kill('SIGKILL');
    await lone.stop();
    const killedAt = Date.now();
    const short = await client.waitForJob(jobs.short!, { timeoutMs: 90_000 });
    expect(short.state).toBe('succeeded');
    expect((await client.getJob(jobs.long!)).state).toBe('worker-lost');
    // Reaped within the heartbeat TTL and a reap pass (about 10 s), then admitted at once.
    expect(Date.parse(short.startedAt!) - killedAt).toBeLessThan(30_000);
    await waitFor(() => agents.every((pid) => !isAlive(pid)), { timeoutMs: 20_000, message: "the lost worker's agent was killed" });
    await other.stop();
    expect((await kingly(['parallel', 'clean', 'caplost', '--force'], qenv, { cwd: repo.path })).exitCode).toBe(0);
  }, 180_000);
});

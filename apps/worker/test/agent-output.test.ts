import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TEXT_CHARS, DEFAULT_CLAUDE_AGENT, DEFAULT_MODEL_PRICES, emptyAgentState, type JobRecord } from '@kingly/cmd';
import { fixture, makeRepo, tempDir, type TestRepo } from '@kingly/testing';
import { readStreamJsonLine, type StreamJsonReader } from '../src/agent/stream-json.js';
import { createHarness, logLines, type Harness } from './harness.js';

// An agent job's output read by a real worker: the fixture agent (Claude Code's stream-json) with
// garbage lines, a line far over the log's 64 KiB piece size and a crash; and a transcript the real
// Claude Code 2.1.197 printed, read by the same parser.

const reader = (): StreamJsonReader => ({ state: emptyAgentState('claude'), prices: DEFAULT_MODEL_PRICES, messages: new Map(), unparsed: 0 });

describe('the stream-json reader', () => {
  it("reads a transcript of the real Claude Code (not logged in): session, the init's model, the error result", () => {
    const r = reader();
    for (const line of readFileSync(fixture('claude-code-2.1.197-not-logged-in.jsonl'), 'utf8').split('\n')) if (line) readStreamJsonLine(r, line);
    expect(r.state).toMatchObject({
      sessionId: 'e98f13dd-03bf-43fd-96ee-3661a648667e',
      model: 'claude-opus-4-8[1m]',
      turns: 1,
      costUsd: 0,
      result: { subtype: 'success', isError: true, text: 'Not logged in · Please run /login' },
    });
    expect(r.unparsed).toBe(0);
  });

  it('counts a message once however many content lines repeat its usage, and prices it by the longest model prefix', () => {
    const r = reader();
    const usage = { input_tokens: 1_000_000, output_tokens: 0 };
    const line = (content: unknown) => JSON.stringify({ type: 'assistant', message: { id: 'm1', model: 'claude-opus-4-5-20251101', content: [content], usage }, session_id: 's' });
    readStreamJsonLine(r, line({ type: 'text', text: 'hi' }));
    readStreamJsonLine(r, line({ type: 'tool_use', name: 'Edit', input: { file_path: '/x/a.ts' } }));
    expect(r.state).toMatchObject({ turns: 1, inputTokens: 1_000_000, costUsd: 5, lastText: 'hi', lastTool: 'Edit: /x/a.ts' });
    expect(readStreamJsonLine(r, 'not json')).toBe(false);
    expect(readStreamJsonLine(r, '{"broken":')).toBe(false);
    expect(readStreamJsonLine(r, '[1,2]')).toBe(false);
    expect(r.unparsed).toBe(3); // a JSON array is not an event either
  });
});

describe('an agent job on a real worker', () => {
  let h: Harness;
  let tmp: { path: string; remove: () => void };
  let repo: TestRepo;
  beforeAll(async () => {
    h = createHarness('agent-output');
    await h.startWorker();
    tmp = tempDir('kingly-agent-output');
    repo = makeRepo(join(tmp.path, 'repo'));
    repo.commit('first', { 'README.md': 'hi\n' });
  });
  afterAll(async () => {
    await h.close();
    tmp.remove();
  });

  const run = async (prompt: string): Promise<JobRecord> => {
    const { id } = await h.client.enqueue({
      argv: [fixture('claude-agent.js'), '-p', prompt, '--output-format', 'stream-json', '--verbose'],
      cwd: repo.path,
      env: { FIXTURE_AGENT_STATE: join(tmp.path, 'sessions') },
      agent: { name: 'claude', format: 'claude-stream-json' },
    });
    return h.client.waitForJob(id, { timeoutMs: 60_000 });
  };

  it('garbage lines stay in the log as they are and do not disturb the figures; the finished event carries the state', async () => {
    const since = await h.client.newestEventId();
    const record = await run('tidy up [garbage]');
    expect(record.state).toBe('succeeded');
    expect(record.agent).toMatchObject({ name: 'claude', turns: 2, inputTokens: 3000, outputTokens: 400, costUsd: 0.014025, result: { subtype: 'success', isError: false } });
    const log = await logLines(h.client, record.id);
    expect(log).toContain('stdout:this line is not JSON {{{');
    expect(log).toContain('stdout:{"type":"assistant","message":');
    expect(log).toContain("system:[kingly] 3 line(s) of the agent's output were not JSON (left in the log as they are)");
    const finished = [];
    for await (const event of h.client.events({ since, follow: false })) if (event.jobId === record.id && event.type === 'finished') finished.push(event);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.record?.agent).toMatchObject({ turns: 2, costUsd: 0.014025, result: { subtype: 'success' } });
  }, 90_000);

  it('a line of 300 KB is read whole (the log keeps it in 64 KiB pieces); the kept text is short', async () => {
    const record = await run('long [huge:300000][turns:1]');
    expect(record.state).toBe('succeeded');
    expect(record.agent?.lastText).toHaveLength(AGENT_TEXT_CHARS);
    expect(record.agent?.turns).toBe(1);
  }, 90_000);

  it('an agent that crashes before its result: failed with its exit code, the figures it reported so far', async () => {
    const record = await run('fall over [crash]');
    expect(record).toMatchObject({ state: 'failed', exitCode: 3 });
    expect(record.agent).toMatchObject({ turns: 1, result: null, lastTool: expect.stringMatching(/^Write: .*greeting\.txt$/) });
    expect(record.agent?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  }, 90_000);
});

// Where the real Claude Code is installed (KINGLY_TEST_CLAUDE=path to its `claude`), it takes every
// flag kingly passes: the listed ones appear in --help, and an unknown one would be refused before
// anything else (it is: "error: unknown option"), so running with them must not say so.
const realClaude = process.env.KINGLY_TEST_CLAUDE;
describe.skipIf(!realClaude)('the real claude CLI', () => {
  it('accepts every flag of the built-in claude agent', () => {
    const help = execFileSync(realClaude!, ['--help'], { encoding: 'utf8' });
    for (const flag of ['-p, --print', '--output-format', 'stream-json', '--verbose', '--resume', '--permission-mode', 'acceptEdits']) expect(help).toContain(flag);
    const home = tempDir('kingly-claude-home');
    try {
      const argv = [...DEFAULT_CLAUDE_AGENT.argv.slice(1), ...DEFAULT_CLAUDE_AGENT.maxTurns].map((a) => a.replace('{prompt}', 'hi').replace('{maxTurns}', '1'));
      const result = spawnSync(realClaude!, argv, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home.path }, timeout: 60_000 });
      expect(result.stderr).not.toMatch(/unknown option/);
      expect(result.stdout.split('\n')[0]).toMatch(/^\{"type":"system","subtype":"init"/);
    } finally {
      home.remove();
    }
  }, 90_000);
});

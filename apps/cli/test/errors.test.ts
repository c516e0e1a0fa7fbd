import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, tempDir, uniqueName } from '@kingly/testing';
import { cleanEnv, kingly, lines } from './helpers.js';

const home = tempDir('kingly-cli-errors');
const env = cleanEnv({ KINGLY_REDIS_URL: inject('redisUrl'), KINGLY_PREFIX: uniqueName('cli-errors'), KINGLY_HOME: home.path });

afterAll(() => home.remove());

/** One line on stderr, starting with "kingly: ", and no stack trace. */
function expectOneLine(stderr: string): string {
  const all = lines(stderr);
  expect(all, stderr).toHaveLength(1);
  expect(all[0]).toMatch(/^kingly: /);
  expect(stderr).not.toMatch(/\n\s+at /);
  return all[0]!;
}

describe('usage errors exit 2 with one line and a hint', () => {
  it.each([
    [['run', '--bogus', 'x'], "unknown option '--bogus'", 'kingly run --help'],
    [['run'], "missing required argument 'command'", 'kingly run --help'],
    [['frobnicate'], "unknown command 'frobnicate'", 'kingly --help'],
    [['jobs', '--limit', 'many'], "'--limit <n>' argument 'many' is invalid", 'kingly jobs --help'],
    [['jobs', '--state', 'weird'], "--state must be one of", 'kingly jobs --help'],
    [['run', '--env', 'NOEQUALS', 'true'], 'expected KEY=VALUE', 'kingly run --help'],
    [['wait', '--timeout', 'soon', 'x'], "--timeout must be a duration like 500ms, 30s, 10m or 2h, got 'soon'", 'kingly wait --help'],
    [['worker', '--concurrency', '0'], "'--concurrency <n>' argument '0' is invalid", 'kingly worker --help'],
    [['worker', '--max-log-bytes', 'lots'], "--max-log-bytes must be a size like 512K, 200M or 2G, got 'lots'", 'kingly worker --help'],
    [['worker', '--max-log-bytes', '1K'], "--max-log-bytes must be at least 64K (the longest line kept), got '1K'", 'kingly worker --help'],
    [['worker', '--max-log-lines', '0'], "'--max-log-lines <n>' argument '0' is invalid", 'kingly worker --help'],
    [['--redis-url', 'http://x', 'jobs'], "argument 'http://x' is invalid", 'kingly --help'],
    // The job spec's limits (libs/shared/src/schemas/spec-text.ts), named by field.
    [['run', '--name', 'n'.repeat(300), 'true'], 'name: is longer than 200 characters', 'kingly run --help'],
    [['run', '--', 'echo', 'x'.repeat(70_000), 'y'.repeat(70_000)], 'command: is 140006 bytes; the limit is 131071', 'kingly run --help'],
  ])('kingly %j', async (args, message, hint) => {
    const result = await kingly(args, env);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    const line = expectOneLine(result.stderr);
    expect(line).toContain(message);
    expect(line).toContain(hint);
  });
});

describe('help', () => {
  it.each([
    [[]], [['run']], [['jobs']], [['show']], [['logs']], [['wait']], [['kill']], [['status']], [['events']], [['worker']], [['up']], [['down']],
    [['dev']], [['dev', 'start']], [['dev', 'stop']], [['dev', 'restart']], [['dev', 'status']], [['dev', 'logs']],
  ])(
    'kingly %j --help prints usage and an example, exit 0',
    async (args) => {
      const result = await kingly([...args, '--help'], env);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^Usage: kingly/);
      expect(result.stdout).toContain('Examples:');
    },
  );
});

describe('failures exit 1 with one line and no stack trace', () => {
  it('an unknown job id or name', async () => {
    for (const args of [['show', 'no-such-job'], ['logs', 'no-such-job'], ['wait', 'no-such-job']]) {
      const result = await kingly(args, env);
      expect(result.exitCode, args.join(' ')).toBe(1);
      expect(expectOneLine(result.stderr)).toContain("no job with id or name 'no-such-job'");
    }
  });

  it('--debug adds the stack trace', async () => {
    const result = await kingly(['--debug', 'show', 'no-such-job'], env);
    expect(result.exitCode).toBe(1);
    expect(lines(result.stderr)[0]).toContain("no job with id or name 'no-such-job'");
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('Redis down: fails (does not hang) naming the URL', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    // The client gives up after 5 s; the generous bound here only proves it does not hang.
    const result = await kingly(['jobs'], { ...env, KINGLY_REDIS_URL: url }, { timeoutMs: 20_000 });
    expect(result.exitCode).toBe(1);
    const line = expectOneLine(result.stderr);
    expect(line).toContain(`cannot reach Redis at ${url}`);
    expect(line).toContain('KINGLY_REDIS_URL');
  });
});

import { describe, expect, it } from 'vitest';
import { kingly, lines, workerForFile } from './helpers.js';

// `kingly worker --max-log-bytes/--max-log-lines`: the per-job caps of the log kept in Redis.
const { env } = workerForFile('log-caps', ['--max-log-bytes', '128K', '--max-log-lines', '500']);

/** Trimming drops whole stream nodes: about one node (≤ 100 entries, ≤ 64 KiB a line) more may stay. */
const SLACK_BYTES = 64 * 1024 + 8 * 1024;
const SLACK_LINES = 100;

async function keptLog(id: string): Promise<string[]> {
  const result = await kingly(['logs', id, '--json'], env);
  expect(result.exitCode, result.stderr).toBe(0);
  return lines(result.stdout).map((l) => (JSON.parse(l) as { line: string }).line);
}

describe('kingly worker log caps', () => {
  it('--max-log-bytes keeps about that many bytes of a job that writes 390K, and says so', async () => {
    // 400 lines of 999 bytes: under the line cap, three times over the byte cap.
    const run = await kingly(['run', '--json', "yes \"$(printf '%0999d' 0)\" | head -n 400"], env);
    const { id } = JSON.parse(run.stdout) as { id: string };
    expect((await kingly(['wait', id], env)).exitCode).toBe(0);
    const kept = await keptLog(id);
    const bytes = kept.reduce((sum, l) => sum + Buffer.byteLength(l), 0);
    expect(bytes).toBeLessThanOrEqual(128 * 1024 + SLACK_BYTES);
    expect(bytes).toBeGreaterThan(128 * 1024 - SLACK_BYTES);
    expect(kept.at(-1)).toMatch(/^\[kingly\] the job wrote 390K of output lines; only the last ~128K are kept$/);
  });

  it('--max-log-lines keeps about that many lines of a job that writes 5000 short ones', async () => {
    const run = await kingly(['run', '--json', 'seq 1 5000'], env);
    const { id } = JSON.parse(run.stdout) as { id: string };
    expect((await kingly(['wait', id], env)).exitCode).toBe(0);
    const kept = await keptLog(id);
    expect(kept.length).toBeLessThanOrEqual(500 + SLACK_LINES);
    expect(kept).toContain('5000');
    expect(kept).not.toContain('1');
    expect(kept.at(-1)).toMatch(/^\[kingly\] the job wrote 5000 lines; only the last ~500 are kept$/);
  });
});

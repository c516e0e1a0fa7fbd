import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, logLines, type Harness } from './harness.js';

const MIB = 1024 * 1024;
/** Trimming drops whole stream nodes: one node more than the cap may stay (a 64 KiB line at most, or ~4 KB of short ones). */
const SLACK = 64 * 1024 + 8 * 1024;

describe('the per-job log byte cap (maxLogBytes)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness('log-bytes');
    await h.startWorker({ maxLogBytes: MIB });
  });
  afterAll(async () => h.close());

  const keptBytes = (lines: string[]): number => lines.reduce((sum, l) => sum + Buffer.byteLength(l.slice(l.indexOf(':') + 1)), 0);

  it.each([
    ['one endless line (/dev/zero)', 'head -c 8M /dev/zero'],
    ['many short lines', "yes '0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklm' | head -c 8M"],
  ])('keeps about the last maxLogBytes of %s, says so last, and the job succeeds', async (_what, command) => {
    const { id } = await h.client.enqueue({ command });
    const record = await h.client.waitForJob(id, { timeoutMs: 30_000 });
    expect(record.state).toBe('succeeded');
    const lines = await logLines(h.client, id);
    expect(keptBytes(lines)).toBeGreaterThan(MIB - SLACK);
    expect(keptBytes(lines)).toBeLessThanOrEqual(MIB + SLACK);
    // (Counted in line text: 8M less the newlines.)
    expect(lines.at(-1)).toMatch(/^system:\[kingly\] the job wrote (8\.0|7\.9)M of output lines; only the last ~1\.0M are kept$/);
    expect(lines.filter((l) => l.startsWith('system:[kingly] output passed 1.0M')).length).toBeLessThanOrEqual(1);
    // What Redis holds for the stream, entry overhead included, stays near the cap too.
    const redis = await h.client.redis();
    const memory = Number(await redis.call('MEMORY', 'USAGE', h.client.keys.logs(id)));
    expect(memory).toBeLessThan(1.5 * MIB + SLACK);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { isAlive, tempDir, waitFor } from '@kingly/testing';
import { createHarness, logLines, plainId, type Harness } from './harness.js';

const MIB = 'x'.repeat(1 << 20);

describe('a job the kernel will not start', () => {
  let h: Harness;
  let queue: Queue;
  beforeAll(async () => {
    h = createHarness('spawn-fail');
    await h.startWorker({ concurrency: 8 });
    // Plain BullMQ, as an old job or another producer would add it: no edge validation on the way.
    queue = new Queue(h.client.queueName, { connection: await h.client.redis(), prefix: h.prefix });
  });
  afterAll(async () => {
    await queue.close();
    await h.close();
  });

  it('ends spawn-failed naming the cause, and the jobs running beside it go on and succeed', async () => {
    const dir = tempDir('spawn-fail');
    const release = join(dir.path, 'release');
    // Several, so that on a worker that spawns through helper processes one runs beside each.
    const long = await Promise.all(
      Array.from({ length: 3 }, async (_, i) =>
        plainId(await queue.add('long', { command: `while [ ! -e '${release}' ]; do sleep 0.05; done; echo finished ${i}`, createdAt: Date.now() })),
      ),
    );
    await waitFor(async () => (await Promise.all(long.map((id) => h.client.getJob(id)))).every((r) => r.state === 'running' && r.pid), {
      message: 'the long jobs to run',
    });
    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['NUL in argv', { argv: ['echo', 'a\0b'] }, /argv\[1\].*NUL byte/],
      ['NUL in an env value', { command: 'true', env: { SECRET: 's3cr3t\0tail' } }, /SECRET.*NUL byte/],
      ['1 MiB argument', { argv: ['echo', MIB] }, /argv\[1\].*(too long|E2BIG|131071)/],
      ['1 MiB command', { command: `echo ${MIB}` }, /command.*(too long|E2BIG|131071)/],
    ];
    const ids = await Promise.all(bad.map(async ([name, data]) => plainId(await queue.add(name, { ...data, createdAt: Date.now() }))));
    for (const [i, [what, , reason]] of bad.entries()) {
      const record = await h.client.waitForJob(ids[i]!, { timeoutMs: 15_000 });
      expect(record.state, what).toBe('spawn-failed');
      expect(record.reason, what).toMatch(reason);
      // A secret in the env is never echoed into the record or the log.
      expect(record.reason, what).not.toMatch(/s3cr3t/);
      expect((await logLines(h.client, ids[i]!)).join('\n'), what).not.toMatch(/s3cr3t/);
    }
    for (const id of long) {
      const record = await h.client.getJob(id);
      expect(record.state, `long job ${id}`).toBe('running');
      expect(isAlive(record.pid!), `long job ${id}'s process`).toBe(true);
    }
    writeFileSync(release, '');
    for (const [i, id] of long.entries()) {
      expect((await h.client.waitForJob(id, { timeoutMs: 15_000 })).state).toBe('succeeded');
      expect(await logLines(h.client, id)).toContain(`stdout:finished ${i}`);
    }
    dir.remove();
  });
});

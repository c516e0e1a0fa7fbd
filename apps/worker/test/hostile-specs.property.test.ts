import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isKinglyError, isTerminalState } from '@kingly/cmd';
import { describeSpec, hostileSpec, mustBeRefused, NAMES_A_FIELD, PROPERTY_SEED, tempDir, waitFor } from '@kingly/testing';
import { createHarness, logLines, type Harness } from './harness.js';

// Random specs thrown at KinglyClient.enqueue, with a real worker running what is accepted: every
// refusal is E_BAD_INPUT naming a field, every accepted job ends, and a job running beside them
// is not harmed. Fixed seed (printed by fast-check on failure; KINGLY_PROPERTY_SEED replays).
describe('random job specs at the library edge', () => {
  let h: Harness;
  const dir = tempDir('kingly-hostile-prop');
  beforeAll(async () => {
    h = createHarness('hostile-prop');
    await h.startWorker({ concurrency: 4 });
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  it('refuses with a named field or runs to a terminal state, never harming a job beside them', { timeout: 60_000 }, async () => {
    const release = join(dir.path, 'release');
    const { id: bystander } = await h.client.enqueue({ command: 'echo ready; while [ ! -e "$RELEASE" ]; do sleep 0.05; done; echo released', env: { RELEASE: release } });
    await waitFor(async () => (await logLines(h.client, bystander)).includes('stdout:ready'), { message: 'the bystander job to start' });

    const accepted = new Map<string, string>();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(hostileSpec, async (spec) => {
        try {
          const { id } = await h.client.enqueue(spec as never);
          expect(mustBeRefused(spec), `accepted a spec it must refuse: ${describeSpec(spec)}`).toBe(false);
          accepted.set(id, describeSpec(spec));
        } catch (error) {
          if (!isKinglyError(error) || error.code !== 'E_BAD_INPUT') throw error;
          expect(error.message).toMatch(NAMES_A_FIELD);
          refused += 1;
        }
      }),
      { numRuns: 100, seed: PROPERTY_SEED },
    );

    const ids = [...accepted.keys()];
    const records = await h.client.waitForJobs(ids, { timeoutMs: 30_000 }).catch(async (error: unknown) => {
      const open = (await Promise.all(ids.map((id) => h.client.getJob(id)))).filter((r) => !isTerminalState(r.state));
      throw new Error(`${String(error)}; still open: ${open.map((r) => `${r.id} ${r.state} ${accepted.get(r.id)}`).join('\n')}`);
    });
    for (const record of records) expect(isTerminalState(record.state), accepted.get(record.id)).toBe(true);
    // Both sides of the edge were exercised.
    expect(refused).toBeGreaterThan(10);
    expect(accepted.size).toBeGreaterThan(10);

    expect((await h.client.getJob(bystander)).state).toBe('running');
    writeFileSync(release, '');
    const done = await h.client.waitForJob(bystander, { timeoutMs: 10_000 });
    expect(done.state).toBe('succeeded');
    expect(await logLines(h.client, bystander)).toEqual(expect.arrayContaining(['stdout:ready', 'stdout:released']));
    expect(existsSync(release)).toBe(true);
  });
});

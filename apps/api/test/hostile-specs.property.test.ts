import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { isTerminalState } from '@kingly/cmd';
import { describeSpec, hostileSpec, mustBeRefused, NAMES_A_FIELD, PROPERTY_SEED, tempDir, waitFor } from '@kingly/testing';
import { createApiHarness, type ApiHarness } from './harness.js';

// Random specs POSTed as JSON text (JSON.stringify escapes a lone surrogate as \udXXX, as a hostile
// client would send it), with a real worker running what is accepted: 201 and a terminal state,
// or 400 E_BAD_INPUT naming the field (413 for a body past the limit), never a 5xx; a job running
// beside them is not harmed. Fixed seed (printed by fast-check on failure; KINGLY_PROPERTY_SEED replays).
describe('random job specs at the API edge', () => {
  let h: ApiHarness;
  const dir = tempDir('kingly-api-hostile-prop');
  beforeAll(async () => {
    h = await createApiHarness('api-hostile-prop');
    await h.startWorker({ concurrency: 4 });
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  it('answers 201 and the job ends, or 400 naming the field; never a 5xx', { timeout: 60_000 }, async () => {
    const release = join(dir.path, 'release');
    const { id: bystander } = await h.client.enqueue({ command: 'echo ready; while [ ! -e "$RELEASE" ]; do sleep 0.05; done; echo released', env: { RELEASE: release } });
    await waitFor(async () => (await h.client.getJob(bystander)).pid !== null, { message: 'the bystander job to start' });

    const accepted = new Map<string, string>();
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(hostileSpec, async (spec) => {
        const res = await h.call({ method: 'POST', url: '/api/jobs', payload: JSON.stringify(spec), headers: { 'content-type': 'application/json' } });
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        const body = res.json();
        if (res.statusCode === 201) {
          expect(mustBeRefused(spec), `accepted a spec it must refuse: ${describeSpec(spec)}`).toBe(false);
          accepted.set(body.id, describeSpec(spec));
        } else if (res.statusCode === 413) {
          expect(body.code).toBe('E_BODY_TOO_LARGE');
        } else {
          expect(res.statusCode, `${res.body.slice(0, 300)} for ${describeSpec(spec)}`).toBe(400);
          expect(body.code).toBe('E_BAD_INPUT');
          expect(body.message).toMatch(NAMES_A_FIELD);
        }
      }),
      { numRuns: 80, seed: PROPERTY_SEED },
    );

    const ids = [...accepted.keys()];
    const records = await h.client.waitForJobs(ids, { timeoutMs: 30_000 });
    for (const record of records) expect(isTerminalState(record.state), accepted.get(record.id)).toBe(true);
    expect(statuses[400] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(10);
    expect(accepted.size, JSON.stringify(statuses)).toBeGreaterThan(10);

    expect((await h.client.getJob(bystander)).state).toBe('running');
    writeFileSync(release, '');
    expect((await h.client.waitForJob(bystander, { timeoutMs: 10_000 })).state).toBe('succeeded');
  });
});

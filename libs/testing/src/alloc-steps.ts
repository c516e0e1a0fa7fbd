import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinglyClient } from '@kingly/cmd';
import { fixture } from './fixtures.js';
import { waitFor } from './wait-for.js';

/**
 * A job running fixtures/alloc-steps.js: memory grows by `stepMib` each time the test says so.
 * Each step waits until the job printed that it holds the memory, then for a sample taken after
 * that, so a test compares figures of whole steps (node's own memory is not one step's worth).
 */
export interface AllocSteps {
  /** The job's command. */
  readonly command: string;
  /** Waits for step `n` (n ≥ 2 asks for it first) and returns the RSS of a sample taken after it. */
  step(id: string, n: number): Promise<number>;
  /** Lets the job exit 0. */
  stop(): void;
}

export function allocSteps(client: Pick<KinglyClient, 'getSamples' | 'followLogs'>, dir: string, stepMib: number, timeoutMs = 30_000): AllocSteps {
  return {
    command: `node ${fixture('alloc-steps.js')} ${dir} ${stepMib}`,
    async step(id, n) {
      if (n >= 2) writeFileSync(join(dir, `step-${n}`), '');
      await waitFor(async () => {
        for await (const entry of client.followLogs(id, { follow: false })) if (entry.line.startsWith(`step ${n}:`)) return true;
        return false;
      }, { timeoutMs, message: `job ${id} to print 'step ${n}:'` });
      const printed = Date.now();
      const after = await waitFor(async () => (await client.getSamples(id)).find((s) => s.t > printed), {
        timeoutMs,
        message: `a sample of job ${id} taken after its step ${n}`,
      });
      return after.rssBytes;
    },
    stop: () => writeFileSync(join(dir, 'stop'), ''),
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidsWithEnv, tempDir, waitFor } from '@kingly/testing';
import { createHarness, type Harness } from './harness.js';

/**
 * Counts the SIGINTs it gets into the file named by its argument ("ready" first), and exits a
 * while after the first one: long enough for a second one, sent by a double delivery, to arrive.
 */
const COUNTER = `
const file = process.argv[1];
let n = 0;
process.on('SIGINT', () => {
  n += 1;
  require('node:fs').writeFileSync(file, String(n));
  if (n === 1) setTimeout(() => process.exit(0), 1000);
});
require('node:fs').writeFileSync(file, 'ready');
setInterval(() => {}, 1000);
`;

const JOBS = 10;

describe('kill --signal INT', () => {
  let h: Harness;
  let dir: { path: string; remove: () => void };
  beforeAll(async () => {
    h = createHarness('kill-once');
    dir = tempDir('kill-once');
    writeFileSync(join(dir.path, 'counter.js'), COUNTER);
    await h.startWorker({ concurrency: JOBS });
  });
  afterAll(async () => {
    await h.close();
    dir.remove();
  });

  it('delivers the signal once to each process: in the job’s group and escaped from it', async () => {
    const counter = join(dir.path, 'counter.js');
    const file = (job: number, who: string): string => join(dir.path, `${job}-${who}`);
    const ids = await Promise.all(
      Array.from({ length: JOBS }, async (_, job) => {
        // The leader and a background member share the job's group; the escapee has its own session.
        const command = [
          `setsid node -e "$C" '${file(job, 'escaped')}' &`,
          `node -e "$C" '${file(job, 'member')}' &`,
          `exec node -e "$C" '${file(job, 'leader')}'`,
        ].join(' ');
        return (await h.client.enqueue({ command, env: { C: readFileSync(counter, 'utf8') } })).id;
      }),
    );
    const whos = ['leader', 'member', 'escaped'];
    await waitFor(() => ids.every((_, job) => whos.every((who) => existsSync(file(job, who)) && readFileSync(file(job, who), 'utf8') === 'ready')), {
      timeoutMs: 30_000,
      message: 'every counter to be ready',
    });
    const results = await Promise.all(ids.map((id) => h.client.cancel(id, { signal: 'INT', graceMs: 10_000 })));
    for (const { record } of results) expect(record.state).toBe('cancelled');
    const counts = ids.map((_, job) => whos.map((who) => `${who}:${readFileSync(file(job, who), 'utf8')}`).join(' '));
    expect(counts).toEqual(ids.map(() => 'leader:1 member:1 escaped:1'));
    for (const id of ids) expect(pidsWithEnv('KINGLY_JOB_ID', id)).toEqual([]);
  });
});

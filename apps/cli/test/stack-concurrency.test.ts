import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, uniqueName } from '@kingly/testing';
import { cleanEnv, expectNoStackProcess, kingly, stopStacks } from './helpers.js';

// The local worker's concurrency: worker.concurrency in kingly.config.json, or kingly up --concurrency N.
const dir = tempDir('kingly-cli-stack-concurrency');
afterAll(async () => {
  await stopStacks([join(dir.path, 'home')]);
  dir.remove();
}, 120_000);

const workerConcurrency = async (env: Record<string, string | undefined>, cwd: string): Promise<number[]> =>
  (JSON.parse((await kingly(['status', '--json'], env, { cwd })).stdout) as { workers: Array<{ concurrency: number; alive: boolean }> }).workers
    .filter((w) => w.alive)
    .map((w) => w.concurrency);

describe('the local worker\'s concurrency', () => {
  it('comes from worker.concurrency in kingly.config.json, and kingly up --concurrency wins', async () => {
    const project = join(dir.path, 'project');
    const env = cleanEnv({ KINGLY_HOME: join(dir.path, 'home'), KINGLY_PREFIX: uniqueName('cli-conc') });
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'kingly.config.json'), JSON.stringify({ worker: { concurrency: 3 } }));
    try {
      const up = await kingly(['up', '--no-api'], env, { cwd: project, timeoutMs: 120_000 });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(await workerConcurrency(env, project)).toEqual([3]);
      expect((await kingly(['down'], env, { cwd: project, timeoutMs: 120_000 })).exitCode).toBe(0);

      const again = await kingly(['up', '--no-api', '--concurrency', '5'], env, { cwd: project, timeoutMs: 120_000 });
      expect(again.exitCode, again.stderr).toBe(0);
      expect(await workerConcurrency(env, project)).toEqual([5]);
    } finally {
      await kingly(['down'], env, { cwd: project, timeoutMs: 120_000 });
    }
    await expectNoStackProcess(join(dir.path, 'home'));
  }, 300_000);
});

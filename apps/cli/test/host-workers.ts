import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { installFixtureAgent, tempDir, uniqueName } from '@kingly/testing';
import { cleanEnv, startWorkerProcess, type WorkerProcess } from './helpers.js';

/** Agent streams on workers of named host ids on one Redis, each with a KINGLY_HOME of its own (as on separate machines). */
export interface HostsSetup {
  readonly tmp: ReturnType<typeof tempDir>;
  /** The CLI's environment: the fixture agent as `claude` on PATH, a KINGLY_HOME of its own. */
  readonly env: Record<string, string | undefined>;
  readonly client: KinglyClient;
  /** Starts a worker of `host` (concurrency 2, then `args`): its own KINGLY_HOME, the host id from KINGLY_HOST. */
  start(host: string, args?: readonly string[]): Promise<void>;
  /** Stops the worker of `host`, if one runs. */
  stop(host: string): Promise<void>;
}

/** Call at the top of a test file; everything is stopped and removed after its tests. */
export function hostsSetup(label: string): HostsSetup {
  const agentDir = tempDir(`kingly-agent-${label}`);
  const agent = installFixtureAgent(agentDir.path);
  const tmp = tempDir(`kingly-parallel-${label}`);
  const base = cleanEnv({ KINGLY_REDIS_URL: inject('redisUrl'), KINGLY_PREFIX: uniqueName(`cli-${label}`), ...agent.env });
  const client = new KinglyClient({ redisUrl: base.KINGLY_REDIS_URL!, prefix: base.KINGLY_PREFIX! });
  const workers = new Map<string, WorkerProcess>();
  const stop = async (host: string): Promise<void> => {
    await workers.get(host)?.stop();
    workers.delete(host);
  };
  afterAll(async () => {
    for (const host of [...workers.keys()]) await stop(host);
    await client.close();
    tmp.remove();
    agentDir.remove();
  }, 60_000);
  return {
    tmp,
    env: { ...base, KINGLY_HOME: join(tmp.path, 'home-client') },
    client,
    start: async (host, args = []) => {
      workers.set(host, await startWorkerProcess({ ...base, KINGLY_HOME: join(tmp.path, `home-${host}`), KINGLY_HOST: host }, ['--concurrency', '2', ...args]));
    },
    stop,
  };
}

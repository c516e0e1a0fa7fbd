import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { freeLoopbackPort } from '@kingly/cmd';
import { answersPing } from './redis-server.js';
import { askRedis, killAll } from './server-group.js';
import { waitFor } from './wait-for.js';

export interface TestRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`: what kingly is given. */
  readonly url: string;
  /** The masters' ports, each serving a third of the slots. */
  readonly ports: readonly number[];
  /** Runs `run` on a plain connection to one node (for CLUSTER commands); closed afterwards. */
  ask<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of three masters and no replicas on loopback, made as an operator makes one:
 * three `redis-server --cluster-enabled yes` in a temporary directory (nothing saved), joined by
 * `redis-cli --cluster create`; resolves once every node says `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kingly-test-cluster-'));
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const ports: number[] = [];
  try {
    for (let i = 0; i < 3; i += 1) {
      const port = await freeLoopbackPort();
      ports.push(port);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000', '--dbfilename', `dump-${port}.rdb`];
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of ports) {
      await waitFor(() => answersPing({ host: '127.0.0.1', port }), { timeoutMs: 20_000, message: `redis-server on ${port} to answer PING` });
    }
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
    await waitFor(
      async () => (await Promise.all(ports.map((p) => askRedis(p, async (r) => /cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO'))))))).every(Boolean),
      { timeoutMs: 30_000, message: 'every node of the cluster to say cluster_state:ok' },
    );
  } catch (error) {
    kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    ask: askRedis,
    async stop() {
      process.removeListener('exit', kill);
      await killAll(children);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

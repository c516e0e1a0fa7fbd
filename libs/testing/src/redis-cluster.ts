import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { freeLoopbackPort } from '@kingly/cmd';
import { answersPing, TEST_TLS_CERT, TEST_TLS_KEY } from './redis-server.js';
import { askRedis, killAll } from './server-group.js';
import { waitFor } from './wait-for.js';

export interface TestRedisClusterOptions {
  /**
   * Serve TLS only, between nodes too, with the self-signed certificate of fixtures/tls
   * (`TEST_TLS_CERT`); the URL is `rediss+cluster://`. Clients must trust that certificate.
   * @default false
   */
  readonly tls?: boolean;
}

export interface TestRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` (`rediss+cluster://` with TLS): what kingly is given. */
  readonly url: string;
  /** The masters' ports, each serving a third of the slots. */
  readonly ports: readonly number[];
  /** Runs `run` on a plain connection to one node (for CLUSTER commands, TLS when the cluster is); closed afterwards. */
  ask<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of three masters and no replicas on loopback, made as an operator makes one:
 * three `redis-server --cluster-enabled yes` in a temporary directory (nothing saved), joined by
 * `redis-cli --cluster create`; resolves once every node says `cluster_state:ok`.
 */
export async function startRedisCluster({ tls = false }: TestRedisClusterOptions = {}): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kingly-test-cluster-'));
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const clientTls = tls ? { tls: { ca: readFileSync(TEST_TLS_CERT) } } : {};
  const ask = <T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> => askRedis(port, run, clientTls);
  const ports: number[] = [];
  try {
    for (let i = 0; i < 3; i += 1) {
      const port = await freeLoopbackPort();
      ports.push(port);
      // The bus port is port + 10000 unless named: a free one, since port + 10000 may be taken or past 65535.
      const busPort = await freeLoopbackPort();
      const listen = tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-cluster', 'yes', '--tls-cert-file', TEST_TLS_CERT, '--tls-key-file', TEST_TLS_KEY, '--tls-ca-cert-file', TEST_TLS_CERT, '--tls-auth-clients', 'no']
        : ['--port', String(port)];
      const args = [...listen, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`,
        '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000'];
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of ports) {
      await waitFor(() => answersPing({ host: '127.0.0.1', port, ...clientTls }), { timeoutMs: 20_000, message: `redis-server on ${port} to answer PING` });
    }
    const cliTls = tls ? ['--tls', '--cacert', TEST_TLS_CERT] : [];
    await promisify(execFile)('redis-cli', [...cliTls, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 60_000 });
    await waitFor(
      async () => (await Promise.all(ports.map((p) => ask(p, async (r) => /cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO'))))))).every(Boolean),
      { timeoutMs: 30_000, message: 'every node of the cluster to say cluster_state:ok' },
    );
  } catch (error) {
    kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `${tls ? 'rediss' : 'redis'}+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    ask,
    async stop() {
      process.removeListener('exit', kill);
      await killAll(children);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

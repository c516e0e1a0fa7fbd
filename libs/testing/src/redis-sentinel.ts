import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '@kingly/cmd';
import { askRedis, killAll } from './server-group.js';
import { waitFor } from './wait-for.js';

export interface TestSentinelGroup {
  /** `redis+sentinel://127.0.0.1:p1,…/<name>`: what kingly is given. */
  readonly url: string;
  readonly name: string;
  /** Ports of the two data servers; which one is master changes with a failover. */
  readonly serverPorts: readonly [number, number];
  readonly sentinelPorts: readonly number[];
  /** The port of the master the sentinels name now. */
  masterPort(): Promise<number>;
  /** A planned failover (writes held until the replica has them all, then SENTINEL FAILOVER): resolves with the new master's port. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and three sentinels (quorum 2) on loopback, each in its own temporary
 * directory, nothing saved; a master that stops answering is failed over within ~2 s.
 */
export async function startSentinelGroup(name = 'mymaster'): Promise<TestSentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'kingly-test-sentinel-'));
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const start = (args: string[]): void => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    children.push(child);
  };
  const ports = [await freeLoopbackPort(), await freeLoopbackPort()] as const;
  const base = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  start(['--port', String(ports[0]), '--dir', dir, '--dbfilename', 'm.rdb', ...base]);
  start(['--port', String(ports[1]), '--dir', dir, '--dbfilename', 'r.rdb', '--replicaof', '127.0.0.1', String(ports[0]), ...base]);
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await freeLoopbackPort();
    const conf = join(dir, `sentinel-${i}.conf`);
    // Sentinels rewrite their config file: each needs its own, writable.
    writeFileSync(
      conf,
      [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${ports[0]} 2`,
        `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 5000`, ''].join('\n'),
    );
    start([conf, '--sentinel']);
    sentinelPorts.push(port);
  }
  const masterPort = (): Promise<number> =>
    askRedis(sentinelPorts[0]!, async (r) => Number(((await r.call('SENTINEL', 'get-master-addr-by-name', name)) as string[])[1]));
  try {
    await waitFor(
      async () => {
        const synced = await askRedis(ports[1], async (r) => /master_link_status:up/.test(await r.info('replication')));
        const known = await Promise.all(
          sentinelPorts.map((p) => askRedis(p, async (r) => Number(((await r.call('SENTINEL', 'replicas', name)) as unknown[]).length) === 1 && ((await r.call('SENTINEL', 'sentinels', name)) as unknown[]).length === 2)),
        );
        return synced && known.every(Boolean);
      },
      { timeoutMs: 30_000, message: 'the replica to sync and the three sentinels to know it and each other' },
    );
  } catch (error) {
    kill();
    throw error;
  }
  return {
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${name}`,
    name,
    serverPorts: ports,
    sentinelPorts,
    masterPort,
    async failover() {
      const before = await masterPort();
      // A planned failover loses nothing only when the replica has every write: hold writes on the
      // master, wait for the replica to reach its offset, then switch (SENTINEL FAILOVER alone
      // promotes the replica at once, dropping what had not reached it yet).
      await askRedis(before, (r) => r.call('CLIENT', 'PAUSE', '15000', 'WRITE'));
      const offset = (info: string): number => Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? -1);
      const target = await askRedis(before, async (r) => offset(await r.info('replication')));
      const replica = ports[0] === before ? ports[1] : ports[0];
      await waitFor(async () => askRedis(replica, async (r) => offset(await r.info('replication')) >= target), {
        timeoutMs: 10_000,
        message: `the replica on ${replica} to reach the master's offset ${target}`,
      });
      await askRedis(sentinelPorts[0]!, (r) => r.call('SENTINEL', 'FAILOVER', name));
      return waitFor(
        async () => {
          const now = await masterPort();
          const promoted = now !== before && (await askRedis(now, async (r) => /role:master/.test(await r.info('replication'))));
          return promoted ? now : undefined;
        },
        { timeoutMs: 30_000, message: `the sentinels to promote the replica of ${before}` },
      );
    },
    async stop() {
      process.removeListener('exit', kill);
      await killAll(children);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

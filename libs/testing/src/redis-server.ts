import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freeLoopbackPort } from '@kingly/cmd';
import { fixture } from './fixtures.js';
import { waitFor } from './wait-for.js';

/** One connection attempt, no retries: whether a Redis server answers PING there now (for waitFor). */
export async function answersPing(options: RedisOptions): Promise<boolean> {
  const probe = new Redis({ ...options, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {
    /* not up yet: connect() rejects and the caller's waitFor tries again */
  });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } finally {
    probe.disconnect();
  }
}

export interface TestRedis {
  readonly url: string;
  /** The server's unix socket (`unix://` + this is a kingly URL to it). */
  readonly socketPath: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (never 6379: that one may belong to the machine). */
export const freePort = freeLoopbackPort;

export interface TestRedisOptions {
  /** @default "redis-server" */
  readonly binary?: string;
  /** Clients must AUTH with this (`--requirepass`); the URL carries it. */
  readonly password?: string;
  /**
   * Serve TLS only, with the self-signed certificate of fixtures/tls (`TEST_TLS_CERT`, for
   * 127.0.0.1 and localhost); the URL is `rediss://`. Clients must trust that certificate.
   */
  readonly tls?: boolean;
  /** Listen on this port (to start a server again where a stopped one was). @default a free port */
  readonly port?: number;
}

/** The test TLS certificate (self-signed, its own CA) and its key. */
export const TEST_TLS_CERT = fixture('tls/localhost-cert.pem');
export const TEST_TLS_KEY = fixture('tls/localhost-key.pem');

/**
 * Starts a private redis-server on a free loopback port with nothing saved to disk, waits until it
 * answers, and stops it (SIGKILL if it does not go) on stop() or when this process exits. It
 * listens on loopback TCP and on a unix socket in its own temporary directory.
 */
export async function startRedisServer({ binary = 'redis-server', password, tls = false, ...options }: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'kingly-test-redis-'));
  const port = options.port ?? (await freePort());
  const socketPath = join(dir, 'redis.sock');
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', TEST_TLS_CERT, '--tls-key-file', TEST_TLS_KEY, '--tls-ca-cert-file', TEST_TLS_CERT, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'];
  args.push('--unixsocket', socketPath, '--unixsocketperm', '700');
  if (password !== undefined) args.push('--requirepass', password);
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const url = `${tls ? 'rediss' : 'redis'}://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (spawnError) throw new Error(`cannot start ${binary}: ${spawnError.message} (apt-get install -y redis-server)`);
      return answersPing({ host: '127.0.0.1', port, ...(password === undefined ? {} : { password }), ...(tls ? { tls: { ca: readFileSync(TEST_TLS_CERT) } } : {}) });
    },
    { timeoutMs: 10_000, message: `redis-server on port ${port} to answer PING` },
  ).catch((error: unknown) => {
    kill();
    throw spawnError ?? error;
  });
  return {
    url,
    socketPath,
    port,
    process: child,
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(kill, 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

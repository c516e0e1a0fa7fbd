import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import type { AppSpec } from './apps.js';
import { socketFits } from './paths.js';

/** One app as PM2 lists it. */
export interface Pm2Process {
  readonly name: string;
  /** 0 while it is not running (stopped, errored, waiting to restart). */
  readonly pid: number;
  /** PM2's status: online, launching, waiting restart, stopping, stopped, errored. */
  readonly status: string;
  /** How often PM2 restarted it (pm2_env.restart_time). */
  readonly restarts: number;
}

/** A connection to one PM2 daemon (its PM2_HOME), started when it does not run. */
export interface Pm2Session {
  readonly home: string;
  list(): Promise<Pm2Process[]>;
  start(app: AppSpec): Promise<void>;
  /** Stops the app (SIGINT, then SIGKILL after its kill_timeout) and forgets it. */
  remove(name: string): Promise<void>;
  /** Stops every app of this daemon and the daemon itself. */
  killDaemon(): Promise<void>;
  /** Ends the connection (the daemon keeps running). */
  close(): Promise<void>;
}

/** How long a stopped daemon may take to exit. */
const DAEMON_EXIT_MS = 10_000;

/** The parts of PM2's programmatic API (`new pm2.custom(...)`) used here. */
interface Pm2Api {
  connect(cb: (error: Error | null) => void): void;
  start(app: object, cb: (error: Error | null) => void): void;
  list(cb: (error: Error | null, list: RawProcess[]) => void): void;
  delete(name: string, cb: (error: Error | null) => void): void;
  killDaemon(cb: (error: Error | null) => void): void;
  disconnect(cb?: () => void): void;
}

interface RawProcess {
  readonly name?: string;
  readonly pid?: number;
  readonly pm2_env?: { readonly status?: string; readonly restart_time?: number };
}

const call = <T>(what: string, fn: (cb: (error: Error | null, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => {
    fn((error, value) => {
      if (error) reject(new KinglyError(ErrorCodes.STACK_FAILED, `PM2 ${what} failed: ${error.message ?? String(error)}`, { cause: error }));
      else resolve(value as T);
    });
  });

/**
 * PM2's sockets live in its home; where their paths would be too long for the OS, they go to a
 * directory of their own in the temp directory (PM2 takes PM2_DAEMON_RPC_PORT and the like from the
 * environment, and so does a daemon started from here).
 */
const socketDir = (home: string): string | undefined =>
  socketFits(join(home, 'interactor.sock')) ? undefined : join(tmpdir(), `kingly-pm2-${createHash('sha256').update(home).digest('hex').slice(0, 12)}`);

function socketEnv(home: string): Record<string, string> {
  const dir = socketDir(home);
  if (dir === undefined) return {};
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    PM2_DAEMON_RPC_PORT: join(dir, 'rpc.sock'),
    PM2_DAEMON_PUB_PORT: join(dir, 'pub.sock'),
    PM2_INTERACTOR_RPC_PORT: join(dir, 'interactor.sock'),
  };
}

/**
 * Connects to the PM2 daemon of `home` (PM2_HOME), starting it when it does not run. `env` is set
 * on this process first, so a daemon started here carries it (PM2 passes its client's environment on).
 * PM2 is loaded here only: commands that do not touch the stack never load it.
 */
export async function connectPm2(home: string, env: Readonly<Record<string, string>> = {}): Promise<Pm2Session> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // PM2 reads PM2_HOME when it loads, and a daemon it starts takes it from this environment.
  Object.assign(process.env, env, socketEnv(home), { PM2_HOME: home, PM2_NO_INTERACTION: 'true', PM2_DISCRETE_MODE: 'true' });
  const pm2 = createRequire(import.meta.url)('pm2') as { custom: new (options: object) => Pm2Api };
  const api = new pm2.custom({ pm2_home: home });
  await call<void>('connect', (cb) => api.connect(cb));
  return {
    home,
    async list() {
      const raw = await call<RawProcess[]>('list', (cb) => api.list(cb));
      return raw.map((p) => ({
        name: p.name ?? '',
        pid: p.pid ?? 0,
        status: p.pm2_env?.status ?? 'unknown',
        restarts: p.pm2_env?.restart_time ?? 0,
      }));
    },
    start: (app) => call<void>(`start of ${app.name}`, (cb) => api.start({ ...app }, cb)),
    remove: (name) => call<void>(`delete of ${name}`, (cb) => api.delete(name, cb)),
    async killDaemon() {
      const pid = daemonPid(home);
      await call<void>('kill', (cb) => api.killDaemon(cb));
      // PM2 answers before its daemon has exited: wait, so no caller finds it still there.
      for (const deadline = Date.now() + DAEMON_EXIT_MS; pid !== undefined && isRunning(pid) && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const dir = socketDir(home);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
    close: () => new Promise<void>((resolve) => api.disconnect(() => resolve())),
  };
}

/** Runs `fn` with a session on `home`, closing the connection afterwards. */
export async function withPm2<T>(home: string, env: Readonly<Record<string, string>>, fn: (pm2: Pm2Session) => Promise<T>): Promise<T> {
  const session = await connectPm2(home, env);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

/** The pid in PM2_HOME/pm2.pid, the daemon's, when there is one. */
export function daemonPid(home: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the PM2 daemon of `home` runs and takes connections on its socket, without loading PM2:
 * how commands find the stack running in a millisecond (a pid alone would also count a daemon
 * killed a moment ago that its parent has not reaped yet).
 */
export function daemonRuns(home: string): Promise<boolean> {
  const socket = join(socketDir(home) ?? home, 'rpc.sock');
  return new Promise((resolve) => {
    const connection = connect(socket);
    connection.once('connect', () => {
      connection.destroy();
      resolve(true);
    });
    connection.once('error', () => resolve(false));
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

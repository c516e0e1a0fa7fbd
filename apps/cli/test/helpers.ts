import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, inject } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { isAlive, pidsWithCommandLine, pidsWithEnv, tempDir, uniqueName, waitFor } from '@kingly/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** The built binary, run as a user runs it. */
export const KINGLY_BIN = fileURLToPath(new URL('../bin/kingly.js', import.meta.url));

/** The environment of this test process without any KINGLY_* setting (so each test sets its own). */
export function cleanEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('KINGLY_')) env[key] = value;
  return { ...env, ...extra };
}

export interface KinglyResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `kingly …` to the end and returns what it printed (never throws on a non-zero exit). */
export async function kingly(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { timeoutMs?: number; cwd?: string; input?: string } = {},
): Promise<KinglyResult> {
  const result = await execa(process.execPath, [KINGLY_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  if (result.timedOut) throw new Error(`kingly ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000}ms`);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Lines of output, without the empty one after the final newline. */
export const lines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

export interface WorkerProcess {
  readonly process: ResultPromise;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `kingly worker` as a separate process and waits for its heartbeat. */
export async function startWorkerProcess(env: Record<string, string | undefined>, args: readonly string[] = []): Promise<WorkerProcess> {
  const child = execa(process.execPath, [KINGLY_BIN, 'worker', ...args], { env, extendEnv: false, reject: false, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const pid = child.pid!;
  const client = new KinglyClient({ redisUrl: env.KINGLY_REDIS_URL!, prefix: env.KINGLY_PREFIX! });
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`kingly worker exited ${child.exitCode}: ${stderr}`);
        return (await client.listWorkers()).some((w) => w.pid === pid && w.alive);
      },
      { timeoutMs: 30_000, message: `the heartbeat of kingly worker (pid ${pid})` },
    );
  } finally {
    await client.close();
  }
  return {
    process: child,
    pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await child;
    },
  };
}

export interface FileWorker {
  /** The file's environment: the test Redis, its own key prefix and KINGLY_HOME. */
  readonly env: Record<string, string | undefined>;
  /** The file's `kingly worker` (after beforeAll). */
  readonly worker: () => WorkerProcess;
}

/**
 * One test file's setup: its own KINGLY_HOME and key prefix on the test Redis, and a `kingly
 * worker` process (another process than every `kingly` the tests run) from before the file's tests
 * to after them.
 */
export function workerForFile(label: string, workerArgs: readonly string[] = []): FileWorker {
  const home = tempDir(`kingly-cli-${label}`);
  const env = cleanEnv({ KINGLY_REDIS_URL: inject('redisUrl'), KINGLY_PREFIX: uniqueName(`cli-${label}`), KINGLY_HOME: home.path });
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    worker = await startWorkerProcess(env, workerArgs);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    home.remove();
  }, 60_000);
  return { env, worker: () => worker! };
}

/** PM2's own command line (the same package the CLI loads), for tests that look at a PM2 home as a user would. */
export const PM2_BIN = join(dirname(createRequire(import.meta.url).resolve('pm2/package.json')), 'bin', 'pm2');

/** What the local stack marks its processes (and its own PM2 daemon) with (apps/cli/src/stack/paths.ts). */
export const STACK_ENV = 'KINGLY_STACK_HOME';

/** Processes of the local stack in `home`: marked with it, or naming it on their command line (PM2's daemon, redis-server). */
export const stackPids = (home: string): number[] => [...new Set([...pidsWithEnv(STACK_ENV, home), ...pidsWithCommandLine(home)])];

/** Waits until none of `pids` and no process of the stack in `home` is left. */
export async function expectNoStackProcess(home: string, pids: readonly number[] = []): Promise<void> {
  await waitFor(() => pids.every((pid) => !isAlive(pid)) && stackPids(home).length === 0, {
    timeoutMs: 30_000,
    message: `no process of the stack in ${home} (pids ${pids.join(', ')}; left: ${stackPids(home).join(', ')})`,
  });
}

/** After a file's tests: `kingly down` in each home a test used, then SIGKILL whatever of its stack is left. */
export async function stopStacks(homes: readonly string[]): Promise<void> {
  for (const home of homes) {
    await kingly(['down'], cleanEnv({ KINGLY_HOME: home }), { timeoutMs: 120_000 });
    for (const pid of stackPids(home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

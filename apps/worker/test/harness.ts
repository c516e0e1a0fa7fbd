import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { KinglyClient } from '@kingly/cmd';
import { uniqueName, waitFor } from '@kingly/testing';
import { createWorker, type KinglyWorker } from '../src/create-worker.js';
import type { WorkerOptions } from '../src/worker-options.js';

/** A client and an in-process worker on a private prefix of the run's real Redis. */
export interface Harness {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly client: KinglyClient;
  startWorker(options?: Partial<WorkerOptions>): Promise<KinglyWorker>;
  /** Stops this child process (SIGTERM, then SIGKILL) on close() if it still runs. */
  track(child: ChildProcess): void;
  close(): Promise<void>;
}

/**
 * The accounting backend the worker tests run against: the platform's default, or KINGLY_ACCOUNTING
 * ("proc" or "ps"; CI runs the tracking, kill and limit tests with both).
 */
export const ACCOUNTING: Pick<WorkerOptions, 'accounting'> = (() => {
  const kind = process.env.KINGLY_ACCOUNTING;
  if (kind === undefined || kind === '') return {};
  if (kind !== 'proc' && kind !== 'ps') throw new Error(`KINGLY_ACCOUNTING must be "proc" or "ps", got '${kind}'`);
  return { accounting: kind };
})();

export function createHarness(label: string): Harness {
  const redisUrl = inject('redisUrl');
  const prefix = uniqueName(label);
  const client = new KinglyClient({ redisUrl, prefix });
  const workers: KinglyWorker[] = [];
  const children: ChildProcess[] = [];
  return {
    redisUrl,
    prefix,
    client,
    async startWorker(options = {}) {
      const worker = await createWorker({ redisUrl, prefix, concurrency: 4, shutdownGraceMs: 2000, ...ACCOUNTING, ...options });
      workers.push(worker);
      return worker;
    },
    track(child) {
      children.push(child);
    },
    async close() {
      // Worker processes a test started and left running would outlive the run (and its Redis).
      await Promise.all(children.map((child) => stopChild(child)));
      await Promise.all(workers.map((w) => w.close()));
      await client.close();
    },
  };
}

/** kingly's id of a job added by plain BullMQ: qualified by its queue (docs/protocol.md, Names). */
export const plainId = (job: { readonly id?: string; readonly queueName: string }): string => `${job.queueName}:${job.id!}`;

/** All log lines of a finished job, as "stream:line". */
export async function logLines(client: KinglyClient, id: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of client.followLogs(id, { follow: false })) lines.push(`${entry.stream}:${entry.line}`);
  return lines;
}


/** A worker in its own process (built dist), as a user runs it; resolves once its heartbeat shows. */
export async function spawnWorkerProcess(h: Harness, options: Partial<WorkerOptions> = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const before = new Set((await h.client.listWorkers()).map((w) => w.id));
  const settings = JSON.stringify({ redisUrl: h.redisUrl, prefix: h.prefix, concurrency: 4, shutdownGraceMs: 1000, ...ACCOUNTING, ...options });
  const code = `import('@kingly/worker').then((m) => m.runWorkerMain(${settings})).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
  h.track(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(async () => (await h.client.listWorkers()).some((w) => !before.has(w.id) && w.pid === child.pid), {
    timeoutMs: 20_000,
    message: `worker process ${child.pid} to register its heartbeat (output: ${output})`,
  });
  return { child, output: () => output };
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(timer);
}

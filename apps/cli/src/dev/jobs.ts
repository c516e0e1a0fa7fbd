import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRecord, KinglyClient } from '@kingly/cmd';
import { liveJobs } from '../select-jobs.js';
import { portFreed } from './port.js';
import { devJobSpec, type DevServer } from './servers.js';

/** Copies of the server (any directory) that have not ended. */
export const liveCopies = (client: KinglyClient, server: DevServer): Promise<JobRecord[]> => liveJobs(client, { name: server.jobName });

/** The copy of this directory that has not ended, if any. */
export async function currentJob(client: KinglyClient, server: DevServer): Promise<JobRecord | undefined> {
  return (await liveCopies(client, server)).find((r) => r.cwd === server.cwd);
}

/** The newest job of this copy, ended or not (whose log `dev logs` shows). */
export async function latestJob(client: KinglyClient, server: DevServer): Promise<JobRecord | undefined> {
  return (await currentJob(client, server)) ?? (await client.listJobs({ name: server.jobName, limit: 100 })).find((r) => r.cwd === server.cwd);
}

export interface StartReport {
  readonly record: JobRecord;
  /** False when this copy was running already (nothing was started). */
  readonly started: boolean;
}

/** How long `dev start` waits for a worker to take the job before it says it is queued. */
const TAKE_TIMEOUT_MS = 30_000;

/**
 * Starts the server unless this copy runs already. It gets its `port` as PORT; when another copy
 * (another checkout or worktree) runs, the worker hands it a free port of `portRange` instead.
 * Resolves once a worker has started it (or it ended, or nobody took it in 30 s).
 */
export async function startServer(client: KinglyClient, server: DevServer, queue: string): Promise<StartReport> {
  const copies = await liveCopies(client, server);
  const mine = copies.find((r) => r.cwd === server.cwd);
  if (mine) return { record: mine, started: false };
  const range = server.port !== undefined && copies.length === 0 ? ([server.port, server.port] as const) : server.portRange;
  const { id } = await client.enqueue(devJobSpec(server, range), { queue });
  const deadline = Date.now() + TAKE_TIMEOUT_MS;
  for (;;) {
    const record = await client.getJob(id);
    // Running with a pid: the worker has written the record (port included).
    const started = record.state === 'running' ? record.pid !== null : record.state !== 'queued';
    if (started || Date.now() > deadline) return { record, started: true };
    await sleep(100);
  }
}

export interface StopReport {
  /** The job that was stopped; undefined when this copy was not running. */
  readonly record: JobRecord | undefined;
  /** False when the server's port still answers after its job ended (another program holds it). */
  readonly portFree: boolean;
}

/** Cancels this copy's job (its whole tree killed after `graceMs`), then checks that its port is free. */
export async function stopServer(client: KinglyClient, server: DevServer, graceMs: number): Promise<StopReport> {
  const mine = await currentJob(client, server);
  if (!mine) return { record: undefined, portFree: true };
  const { record } = await client.cancel(mine.id, { graceMs });
  const port = record.port ?? mine.port;
  return { record, portFree: port === null || (await portFreed(port)) };
}

import type { CancelOptions, CancelResult } from '../client/cancel.js';
import type { KinglyClient } from '../client/kingly-client.js';
import type { WaitOptions } from '../client/wait.js';
import type { JobRecord } from '../schemas/job-record.js';
import { streamLogs, type StreamLogsOptions } from './stream-logs.js';

/** A job seen from the program that started or tracks it; every call goes through the client. */
export interface ProcessHandle {
  /** The job's id (unique across queues). */
  readonly id: string;
  /** The output lines: those kept so far, then live ones until the job's log ends. */
  logs(options?: Omit<StreamLogsOptions, 'client'>): AsyncGenerator<string>;
  /**
   * The final record once the job has ended, whatever the outcome (check `state`, `exitCode`,
   * `signal`, `reason`): like execa's result with `reject: false`. One wait, made on first read.
   */
  readonly result: Promise<JobRecord>;
  /**
   * Kills the job's whole process tree from any machine (`signal`, then SIGKILL after the grace
   * period), or removes it when still queued; resolves once it has ended (`cancelled`).
   */
  kill(signal?: string, options?: Omit<CancelOptions, 'signal'>): Promise<CancelResult>;
  /** Resolves with the final record; unlike `result`, takes a timeout or an abort signal. */
  wait(options?: WaitOptions): Promise<JobRecord>;
}

/** The handle of job `id` on `client`. */
export function processHandle(client: KinglyClient, id: string): ProcessHandle {
  let result: Promise<JobRecord> | undefined;
  return {
    id,
    logs: (options = {}) => streamLogs(id, { ...options, client }),
    // Made on first read, so a handle nobody awaits holds no wait (and no rejection goes unhandled).
    get result() {
      return (result ??= client.waitForJob(id));
    },
    kill: (signal = 'SIGTERM', options = {}) => client.cancel(id, { ...options, signal }),
    wait: (options) => client.waitForJob(id, options),
  };
}

import type { CancelOptions, CancelResult } from '../client/cancel.js';
import type { CompleteListener, OnCompleteOptions } from '../client/events.js';
import type { ListJobsOptions } from '../client/get-jobs.js';
import type { KinglyClient } from '../client/kingly-client.js';
import type { StatusReport } from '../client/workers.js';
import type { JobRecord } from '../schemas/job-record.js';
import { closeDefaultClient, defaultClient } from './default-client.js';
import type { ProcessHandle } from './process-handle.js';
import { spawnProcess, type SpawnProcessOptions } from './spawn-process.js';

/**
 * The seed's process manager: the default client's operations under the seed's names. The client
 * is made from the config (`KINGLY_REDIS_URL`, `KINGLY_PREFIX`, `KINGLY_QUEUE`, kingly.config.json)
 * on first use; with no Redis URL configured, that use throws E_CONFIG_INVALID saying what to set.
 * Call `close()` when done: its connections keep the program running.
 */
export interface ProcessManager {
  /** The default client itself (made now if it was not). */
  client(): KinglyClient;
  /** As `spawnProcess`, through the default client. */
  spawn(command: string | readonly string[], options?: Omit<SpawnProcessOptions, 'client'>): Promise<ProcessHandle>;
  /** Jobs, newest first (`client.listJobs`). */
  list(options?: ListJobsOptions): Promise<JobRecord[]>;
  /** The job's record; E_JOB_NOT_FOUND when there is none. */
  get(id: string): Promise<JobRecord>;
  /** Cancels the job (`client.cancel`): removed when queued, its tree killed when running. */
  kill(id: string, signal?: string, options?: Omit<CancelOptions, 'signal'>): Promise<CancelResult>;
  /** Counts, running jobs and workers (`client.status`). */
  status(): Promise<StatusReport>;
  /**
   * Calls `listener(record, event)` for every job that ends from now on, while this program
   * runs; returns the function that stops it. Completions while the program is not running are
   * not seen: use `jobIntegration.connect` for those.
   */
  onComplete(listener: CompleteListener, options?: OnCompleteOptions): () => void;
  /** Closes the default client (ending its waits and listeners); the next use makes a new one. */
  close(): Promise<void>;
}

export const processManager: ProcessManager = {
  client: () => defaultClient(),
  // async, so a missing Redis URL is a rejection like any other failure of these calls.
  spawn: async (command, options) => spawnProcess(command, { ...options, client: defaultClient() }),
  list: async (options) => defaultClient().listJobs(options),
  get: async (id) => defaultClient().getJob(id),
  kill: async (id, signal = 'SIGTERM', options = {}) => defaultClient().cancel(id, { ...options, signal }),
  status: async () => defaultClient().status(),
  onComplete: (listener, options) => defaultClient().onComplete(listener, options),
  close: () => closeDefaultClient(),
};

import type { KinglyClient } from '../client/kingly-client.js';
import { processHandle, type ProcessHandle } from './process-handle.js';
import { clientOr } from './default-client.js';

export interface TrackJobOptions {
  /** Client to read through. @default the default client (see processManager) */
  readonly client?: KinglyClient;
}

/**
 * The handle of a job started elsewhere (the CLI, another program, plain BullMQ). Checks that
 * the job exists: E_JOB_NOT_FOUND otherwise.
 */
export async function trackJob(id: string, options: TrackJobOptions = {}): Promise<ProcessHandle> {
  const client = clientOr(options.client);
  await client.getJob(id);
  return processHandle(client, id);
}

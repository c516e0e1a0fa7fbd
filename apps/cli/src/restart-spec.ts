import { bullJobIdOf, ErrorCodes, isTerminalState, KinglyError, parseSpec, type JobRecord, type JobSpec, type KinglyClient } from '@kingly/cmd';

/**
 * The spec to run an ended job again with: the spec it was enqueued with (BullMQ's copy of the job
 * data, which holds what the record does not: environment, limits, worktree, retry policy), without
 * `after` (its dependencies have ended; the new job runs now). Refused when the job has not ended,
 * or when its data is gone (removed by retention) or is not a kingly spec (a plain BullMQ job).
 */
export async function specToRestart(client: KinglyClient, record: JobRecord): Promise<JobSpec> {
  if (!isTerminalState(record.state)) {
    throw new KinglyError(ErrorCodes.CONFLICT, `job ${record.id} is ${record.state}, not ended`, {
      hint: `end it first with 'kingly kill ${record.id}', or wait for it`,
    });
  }
  // BullMQ's own id: a plain BullMQ job's kingly id is `<queue>:<id>`.
  const job = await (await client.queue(record.queue)).getJob(bullJobIdOf(record.id));
  if (!job) {
    throw new KinglyError(ErrorCodes.JOB_NOT_FOUND, `the spec of job ${record.id} is no longer kept (removed with its queue's finished jobs)`, {
      hint: `run it again with 'kingly run'`,
    });
  }
  const { createdAt: _createdAt, after: _after, ...spec } = (job.data ?? {}) as JobSpec & { createdAt?: number };
  return parseSpec(spec);
}

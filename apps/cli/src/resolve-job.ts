import type { JobRecord, KinglyClient } from '@kingly/cmd';
import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import { liveJobs } from './select-jobs.js';

/** Which job a name means. */
export interface ResolveJobOptions {
  /**
   * `live`: the newest job with the name that has not ended, else the newest (what `kill` wants:
   * `kingly kill build` ends the build that runs, not the one that failed a minute ago).
   * `newest`: the newest job with the name, whatever its state. @default 'newest'
   */
  readonly prefer?: 'newest' | 'live';
  /**
   * Only a job on this queue (`--queue`): a plain BullMQ id is unique only per queue, so a bare id
   * on two queues needs it (else E_AMBIGUOUS_JOB, listing both). @default undefined (any queue)
   */
  readonly queue?: string;
}

/**
 * The job that `text` names on the command line: the job with that id, or else the newest job with
 * that name. An id wins when the text is both (a name is free text, so it may look like an id).
 * Neither is an E_JOB_NOT_FOUND that names both.
 */
export async function resolveJob(client: KinglyClient, text: string, options: ResolveJobOptions = {}): Promise<JobRecord> {
  const { queue } = options;
  const byId = await client.findJob(text, { queue });
  if (byId) return byId;
  const byName = await newestNamed(client, text, options.prefer ?? 'newest', queue);
  if (byName) return byName;
  const where = queue === undefined ? '' : ` on queue '${queue}'`;
  const shown = text.length > 220 ? `${text.slice(0, 200)}…` : text;
  throw new KinglyError(ErrorCodes.JOB_NOT_FOUND, `no job with id or name '${shown}'${where}`, { hint: "list jobs with 'kingly jobs'" });
}

// A name is found through the JobStore's name index (listJobs reads the smallest index among its
// filters): the newest job with that name is the index's first entry.
async function newestNamed(client: KinglyClient, name: string, prefer: 'newest' | 'live', queue: string | undefined): Promise<JobRecord | undefined> {
  if (prefer === 'live') {
    const live = (await liveJobs(client, { name })).filter((r) => queue === undefined || r.queue === queue);
    if (live.length > 0) return live.reduce((newest, r) => (isNewer(r, newest) ? r : newest));
  }
  const [newest] = await client.listJobs({ name, queue, limit: 1 });
  return newest;
}

/** Created later; the id breaks ties (ids sort by creation time too). */
const isNewer = (a: JobRecord, b: JobRecord): boolean => {
  const [at, bt] = [a.createdAt ?? '', b.createdAt ?? ''];
  return at !== bt ? at > bt : a.id > b.id;
};

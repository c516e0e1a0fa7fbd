import { badInput, type JobRecord, type JobState, type KinglyClient } from '@kingly/cmd';

export interface JobPageQuery {
  readonly state?: JobState;
  readonly name?: string;
  readonly group?: string;
  readonly queue?: string;
  /** Jobs per page. */
  readonly limit: number;
  /** From a previous page's `nextCursor`: continue after its last job. */
  readonly cursor?: string;
  /** Only jobs older than this one (a job id, e.g. the last row a page shows). Not with `cursor`. */
  readonly before?: string;
}

export interface JobPage {
  readonly jobs: JobRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

type Position = [createdAt: string, id: string];

const encode = (record: JobRecord): string => Buffer.from(JSON.stringify([record.createdAt ?? '', record.id])).toString('base64url');

function decode(cursor: string): Position {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as Position;
  } catch {
    /* reported below */
  }
  throw badInput(`query parameter cursor: not a cursor this API gave out, got '${cursor.slice(0, 40)}'`);
}

/**
 * One page of jobs, newest first: listJobs reads the JobStore's index from the cursor's job on
 * (O(page) however many jobs there are); one job more than the page says whether an older page exists.
 */
export async function listJobPage(client: KinglyClient, query: JobPageQuery): Promise<JobPage> {
  if (query.cursor && query.before) throw badInput('query parameter before: give cursor or before, not both');
  const before = query.cursor ? decode(query.cursor)[1] : query.before;
  const filters = { state: query.state, name: query.name, group: query.group, queue: query.queue };
  const after = await client.listJobs({ ...filters, limit: query.limit + 1, ...(before ? { before } : {}) });
  const jobs = after.slice(0, query.limit);
  return { jobs, nextCursor: after.length > query.limit ? encode(jobs[jobs.length - 1]!) : null };
}

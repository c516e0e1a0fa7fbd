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
}

export interface JobPage {
  readonly jobs: JobRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

/** The most jobs looked through to find one page. */
const MAX_WINDOW = 10_000;

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

/** True when `record` comes after the cursor in newest-first order (the order listJobs uses). */
const olderThan = (record: JobRecord, [createdAt, id]: Position): boolean => {
  const c = record.createdAt ?? '';
  return c < createdAt || (c === createdAt && record.id < id);
};

/**
 * One page of jobs, newest first. listJobs has no cursor of its own, so the window it reads grows
 * until it holds a full page past the cursor (or every job).
 */
export async function listJobPage(client: KinglyClient, query: JobPageQuery): Promise<JobPage> {
  const position = query.cursor ? decode(query.cursor) : undefined;
  const filters = { state: query.state, name: query.name, group: query.group, queue: query.queue };
  let window = query.limit + 1;
  let after: JobRecord[];
  for (;;) {
    const records = await client.listJobs({ ...filters, limit: window });
    after = position ? records.filter((r) => olderThan(r, position)) : records;
    if (after.length > query.limit || records.length < window || window >= MAX_WINDOW) break;
    window = Math.min(MAX_WINDOW, window * 4);
  }
  const jobs = after.slice(0, query.limit);
  return { jobs, nextCursor: after.length > query.limit ? encode(jobs[jobs.length - 1]!) : null };
}

import type { JobRecord, KinglyClient } from '@kingly/cmd';
import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';

/** The most jobs one selection takes (`--group`, `--all`). */
const MAX_SELECTED = 10_000;

/** Ids of every job of a group in the order they were made; a group with none is an error. */
export async function groupJobIds(client: KinglyClient, group: string): Promise<string[]> {
  const jobs = await client.listJobs({ group, limit: MAX_SELECTED });
  if (jobs.length === 0) {
    throw new KinglyError(ErrorCodes.JOB_NOT_FOUND, `no job in group '${group}'`, { hint: "list jobs with 'kingly jobs'" });
  }
  return jobs.reverse().map((j) => j.id);
}

export interface LiveJobFilters {
  /** Only queued or only running jobs. @default both */
  readonly state?: 'queued' | 'running';
  /** Only jobs with this name. @default any */
  readonly name?: string;
  /** Only jobs of this group. @default any */
  readonly group?: string;
}

/** Jobs that have not ended (queued first, then running), matching the filters. */
export async function liveJobs(client: KinglyClient, filters: LiveJobFilters): Promise<JobRecord[]> {
  const states = filters.state ? [filters.state] : (['queued', 'running'] as const);
  const found = await Promise.all(
    states.map((state) =>
      client.listJobs({
        state,
        limit: MAX_SELECTED,
        ...(filters.name !== undefined ? { name: filters.name } : {}),
        ...(filters.group !== undefined ? { group: filters.group } : {}),
      }),
    ),
  );
  const seen = new Set<string>();
  return found.flat().filter((r) => !seen.has(r.id) && seen.add(r.id));
}

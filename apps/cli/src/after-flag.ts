import type { KinglyClient } from '@kingly/cmd';
import { badInput } from '@kingly/cmd/lite';
import { resolveJob } from './resolve-job.js';

/** The most jobs one `--after` may name (the spec's own limit). */
const MAX_AFTER = 100;

/**
 * `--after a,b,…` as job ids: each an id, or a name meaning the newest job with that name, found
 * now (so a job can only wait for jobs that exist: no cycle can form). Unknown ones exit 1.
 */
export async function resolveAfter(client: KinglyClient, text: string): Promise<string[]> {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw badInput(`--after expects comma-separated job ids or names, got '${text}'`);
  if (parts.length > MAX_AFTER) throw badInput(`--after names ${parts.length} jobs; at most ${MAX_AFTER}`);
  const records = await Promise.all(parts.map((p) => resolveJob(client, p)));
  return [...new Set(records.map((r) => r.id))];
}

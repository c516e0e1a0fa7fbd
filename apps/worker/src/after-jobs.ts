import { finishJob, isTerminalState, type JobRecord, type KinglyClient, type KinglyKeys } from '@kingly/cmd';
import type { Redis } from 'ioredis';

/**
 * `after` (kingly run --after): a job starts only once every job it names has succeeded. The worker
 * that takes it asks; while one is still queued or running the job is put back (delayed) and asked
 * again, and when one ended otherwise, or is unknown, the job ends cancelled saying which. Cycles
 * cannot form: ids are made at enqueue, so a job can only name jobs that existed before it.
 */
export type AfterVerdict = { readonly kind: 'ready' } | { readonly kind: 'wait' } | { readonly kind: 'cancel'; readonly reason: string };

/** How soon a job whose dependencies have not ended is looked at again. */
export const AFTER_RETRY_MS = 500;

/** The `after` ids of plain job data, when they are a list of strings (else runJob refuses the spec). */
export function afterIds(data: unknown): string[] | undefined {
  const after = (data as { after?: unknown } | undefined)?.after;
  return Array.isArray(after) && after.length > 0 && after.every((id) => typeof id === 'string') ? (after as string[]) : undefined;
}

export async function checkAfter(client: KinglyClient, after: readonly string[]): Promise<AfterVerdict> {
  const records = await Promise.all(after.map((id) => client.findJob(id).catch((): JobRecord | undefined => undefined)));
  let pending = false;
  for (const [i, record] of records.entries()) {
    if (!record) return { kind: 'cancel', reason: `job ${after[i]} that it runs after is not known (or no longer kept)` };
    if (record.state === 'succeeded') continue;
    if (isTerminalState(record.state)) return { kind: 'cancel', reason: `job ${record.id} that it runs after ended ${record.state}` };
    pending = true;
  }
  return pending ? { kind: 'wait' } : { kind: 'ready' };
}

/** Ends a job that never started as cancelled with `reason` (the store's one finish transition). */
export async function cancelUnstarted(redis: Redis, keys: KinglyKeys, client: KinglyClient, id: string, reason: string): Promise<void> {
  const record = await client.findJob(id);
  if (!record || isTerminalState(record.state)) return;
  await finishJob(redis, keys, { ...record, state: 'cancelled', signal: null, reason, finishedAt: new Date().toISOString(), durationMs: 0 });
}

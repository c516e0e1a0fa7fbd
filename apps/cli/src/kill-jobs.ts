import type { CancelResult, JobRecord, KinglyClient } from '@kingly/cmd';
import { formatTable } from './output/table.js';

/** What became of one job `kingly kill` was given. */
export type KillOutcome =
  | { readonly id: string; readonly action: CancelResult['action']; readonly record: JobRecord }
  | { readonly id: string; readonly error: { code: string; message: string; hint?: string }; readonly cause: unknown };

/** Cancels the jobs at once and waits until each has ended; a job that cannot be cancelled gets its error. */
export async function killJobs(client: KinglyClient, ids: readonly string[], options: { signal: string; graceMs: number }): Promise<KillOutcome[]> {
  return Promise.all(
    ids.map(async (id): Promise<KillOutcome> => {
      try {
        const { record, action } = await client.cancel(id, { signal: options.signal, graceMs: options.graceMs });
        return { id, action, record };
      } catch (cause) {
        const e = cause as { code?: string; message?: string; hint?: string };
        return { id, error: { code: e.code ?? 'E_INTERNAL', message: e.message ?? String(cause), ...(e.hint ? { hint: e.hint } : {}) }, cause };
      }
    }),
  );
}

const ACTION_TEXT: Record<CancelResult['action'], string> = {
  removed: 'removed from the queue',
  killed: 'killed',
  'already-ended': 'had already ended',
  requested: 'kill requested',
};

/** One row per job that could be cancelled: id, what was done, its final state; '' when none. */
export function killTable(outcomes: readonly KillOutcome[]): string {
  const rows = outcomes.flatMap((o) =>
    'record' in o ? [[o.id, ACTION_TEXT[o.action], o.record.signal ? `${o.record.state} (${o.record.signal})` : o.record.state]] : [],
  );
  return rows.length === 0 ? '' : formatTable(['ID', 'ACTION', 'STATE'], rows);
}

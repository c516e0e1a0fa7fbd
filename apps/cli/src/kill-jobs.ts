import type { CancelResult, JobRecord, KinglyClient } from '@kingly/cmd';
import { formatTable } from './output/table.js';
import { resolveJob } from './resolve-job.js';

/** What became of one job `kingly kill` was given. */
export type KillOutcome =
  | { readonly id: string; readonly action: CancelResult['action']; readonly record: JobRecord }
  | { readonly id: string; readonly error: { code: string; message: string; hint?: string }; readonly cause: unknown };

/** What the words given to `kingly kill` name: job ids to cancel, and an outcome for each word that names no job. */
export interface KillTargets {
  readonly ids: string[];
  readonly unknown: KillOutcome[];
}

/**
 * Each word is a job id or a name; a name means its newest job that has not ended (else its newest,
 * which is then left alone as already ended). A word that names nothing does not stop the others.
 */
export async function resolveKillTargets(client: KinglyClient, words: readonly string[], queue?: string): Promise<KillTargets> {
  const ids = new Set<string>();
  const unknown: KillOutcome[] = [];
  for (const word of new Set(words)) {
    try {
      ids.add((await resolveJob(client, word, { prefer: 'live', queue })).id);
    } catch (cause) {
      unknown.push(failed(word, cause));
    }
  }
  return { ids: [...ids], unknown };
}

/** Cancels the jobs at once and waits until each has ended; a job that cannot be cancelled gets its error. */
export async function killJobs(client: KinglyClient, ids: readonly string[], options: { signal: string; graceMs: number }): Promise<KillOutcome[]> {
  return Promise.all(
    ids.map(async (id): Promise<KillOutcome> => {
      try {
        const { record, action } = await client.cancel(id, { signal: options.signal, graceMs: options.graceMs });
        return { id, action, record };
      } catch (cause) {
        return failed(id, cause);
      }
    }),
  );
}

function failed(id: string, cause: unknown): KillOutcome {
  const e = cause as { code?: string; message?: string; hint?: string };
  return { id, error: { code: e.code ?? 'E_INTERNAL', message: e.message ?? String(cause), ...(e.hint ? { hint: e.hint } : {}) }, cause };
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

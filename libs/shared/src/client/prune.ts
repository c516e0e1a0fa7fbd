import { bullJobIdOf } from '../ids.js';
import { pruneJobs, type PruneOptions, type PruneResult } from '../store/prune.js';
import type { ClientContext } from './context.js';

/**
 * Prunes finished jobs through the JobStore (record, log, index entries) and removes BullMQ's part
 * of each with `Queue.remove`, so Bull Board shows what kingly keeps.
 */
export async function prune(ctx: ClientContext, options: PruneOptions = {}): Promise<PruneResult> {
  const redis = await ctx.redis();
  return pruneJobs(redis, ctx.keys, options, {
    removeFromBull: async (queueName, ids) => {
      const queue = await ctx.queue(queueName);
      const removed = await Promise.all(ids.map((id) => queue.remove(bullJobIdOf(id))));
      return removed.filter((n) => n === 1).length;
    },
  });
}

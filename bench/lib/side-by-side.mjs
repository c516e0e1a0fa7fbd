// kingly and the minimal BullMQ baseline on the same private Redis, each worker in its own process
// at the same concurrency: what the throughput and latency benchmarks both compare.
import { KinglyClient } from '@kingly/cmd';
import { openQueue } from '../baselines/bullmq-client.mjs';
import { BENCH_DIR, forkService, KINGLY_WORKER_SCRIPT } from './util.mjs';

/** Starts both workers and both clients; close() stops all four. */
export async function startSideBySide(redis, { concurrency = 8 } = {}) {
  const prefix = 'bench';
  const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency })]);
  const baselineWorker = await forkService(`${BENCH_DIR}/baselines/bullmq-worker.mjs`, [redis.url, 'baseline', String(concurrency)]);
  const client = new KinglyClient({ redisUrl: redis.url, prefix });
  const baseline = await openQueue(redis.url, 'baseline');
  return {
    client,
    baseline,
    async close() {
      await client.close();
      await baseline.close();
      await Promise.all([worker.close(), baselineWorker.close()]);
    },
  };
}

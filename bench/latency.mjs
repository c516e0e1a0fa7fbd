// Latency: enqueue → terminal record of one `true` job at a time, against the minimal BullMQ
// worker's add → waitUntilFinished. The two alternate job by job, so both see the same noise.
import { KinglyClient } from '@kingly/cmd';
import { openQueue } from './baselines/bullmq-client.mjs';
import { withRedis } from './lib/redis.mjs';
import { BENCH_DIR, forkService, KINGLY_WORKER_SCRIPT, nowMs, percentile } from './lib/util.mjs';

export const name = 'latency';

export async function run({ quick, log }) {
  const rounds = quick ? 100 : 300;
  return withRedis(async (redis) => {
    const prefix = 'bench';
    const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: 8 })]);
    const baselineWorker = await forkService(`${BENCH_DIR}/baselines/bullmq-worker.mjs`, [redis.url, 'baseline', '8']);
    const client = new KinglyClient({ redisUrl: redis.url, prefix });
    const baseline = await openQueue(redis.url, 'baseline');
    const spec = { argv: ['true'] };
    const kinglyOne = async () => {
      const started = nowMs();
      const { id } = await client.enqueue(spec);
      const record = await client.waitForJob(id);
      const ms = nowMs() - started;
      if (record.state !== 'succeeded') throw new Error(`kingly job ended ${record.state}: ${record.reason ?? ''}`);
      return ms;
    };
    const baselineOne = async () => {
      const started = nowMs();
      await baseline.runOne({});
      return nowMs() - started;
    };
    const samples = { kingly: [], bullmq: [] };
    try {
      for (let i = 0; i < 10; i += 1) {
        await kinglyOne();
        await baselineOne();
      }
      for (let i = 0; i < rounds; i += 1) {
        samples.kingly.push(await kinglyOne());
        samples.bullmq.push(await baselineOne());
      }
    } finally {
      await client.close();
      await baseline.close();
      await Promise.all([worker.close(), baselineWorker.close()]);
    }
    const stat = (p) => ({ kingly: percentile(samples.kingly, p), bullmq: percentile(samples.bullmq, p) });
    const p50 = stat(50);
    const p99 = stat(99);
    log(`p50 kingly ${p50.kingly.toFixed(2)} ms, bullmq ${p50.bullmq.toFixed(2)} ms; p99 kingly ${p99.kingly.toFixed(2)} ms, bullmq ${p99.bullmq.toFixed(2)} ms`);
    const rows = [
      { metric: `p50 ms (${rounds} × true, one at a time)`, kingly: p50.kingly, baseline: 'minimal BullMQ worker', baselineValue: p50.bullmq, better: 'lower', target: { ratioAtMost: 1.15 } },
      { metric: `p99 ms (${rounds} × true, one at a time)`, kingly: p99.kingly, baseline: 'minimal BullMQ worker', baselineValue: p99.bullmq, better: 'lower', target: { ratioAtMost: 1.25 } },
    ];
    return { rows, samples, params: { rounds, spec } };
  });
}

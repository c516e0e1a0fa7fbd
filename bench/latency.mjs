// Latency: enqueue → terminal record of one `true` job at a time, against the minimal BullMQ
// worker's add → waitUntilFinished. The two alternate job by job, so both see the same noise.
import { withRedis } from './lib/redis.mjs';
import { startSideBySide } from './lib/side-by-side.mjs';
import { nowMs, percentile } from './lib/util.mjs';

export const name = 'latency';

export async function run({ quick, log }) {
  const rounds = quick ? 100 : 300;
  return withRedis(async (redis) => {
    const systems = await startSideBySide(redis, { concurrency: 8 });
    const { client, baseline } = systems;
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
      await systems.close();
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

// Enqueue: `enqueueMany` of N specs (validated, one addBulk, one pipeline of `queued` events)
// against a raw BullMQ `addBulk` of the same N jobs. No worker; each round on a fresh queue; the
// two alternate round by round.
import { KinglyClient } from '@kingly/cmd';
import { Redis } from 'ioredis';
import { addBulk } from './baselines/add-bulk.mjs';
import { withRedis } from './lib/redis.mjs';
import { median, nowMs } from './lib/util.mjs';

export const name = 'enqueue';

export async function run({ quick, log }) {
  const jobs = 10_000;
  const rounds = quick ? 3 : 7;
  return withRedis(async (redis) => {
    const client = new KinglyClient({ redisUrl: redis.url, prefix: 'bench' });
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const spec = { argv: ['true'] };
    let n = 0;
    const kinglyRound = async (count) => {
      const queue = `k${(n += 1)}`;
      const specs = Array.from({ length: count }, () => ({ ...spec }));
      const started = nowMs();
      const ids = (await client.enqueueMany(specs, { queue })).map((j) => j.id);
      const ms = nowMs() - started;
      if (ids.length !== count) throw new Error(`enqueueMany returned ${ids.length} ids for ${count} specs`);
      return (count / ms) * 1000;
    };
    const rawRound = async (count) => (count / (await addBulk(connection, `r${(n += 1)}`, count, spec))) * 1000;
    const samples = { kingly: [], addBulk: [] };
    try {
      // Warm-up at full size (JIT, heap, scripts), not counted.
      await kinglyRound(jobs);
      await rawRound(jobs);
      for (let i = 0; i < rounds; i += 1) {
        samples.kingly.push(await kinglyRound(jobs));
        samples.addBulk.push(await rawRound(jobs));
      }
      log(`kingly ${median(samples.kingly).toFixed(0)} jobs/s, addBulk ${median(samples.addBulk).toFixed(0)} jobs/s (medians of ${rounds})`);
    } finally {
      await client.close();
      await connection.quit();
    }
    const rows = [
      { metric: `jobs/s (${jobs.toLocaleString('en-US')} specs in one call)`, kingly: median(samples.kingly), baseline: 'raw BullMQ addBulk', baselineValue: median(samples.addBulk), better: 'higher', target: { ratioAtLeast: 0.8 } },
    ];
    return { rows, samples, params: { jobs, rounds, spec } };
  });
}

// Waits: N `true` jobs through one kingly worker (c=8), awaited one by one
// (`Promise.all(ids.map((id) => client.waitForJob(id)))`, the natural way) against the same jobs
// awaited with one `waitForJobs(ids)` call. Both go through the client's one shared events reader;
// before it, every waitForJob read the whole events stream itself (cost waiters × events).
import { KinglyClient } from '@kingly/cmd';
import { withRedis } from './lib/redis.mjs';
import { forkService, KINGLY_WORKER_SCRIPT, median, nowMs } from './lib/util.mjs';

export const name = 'waits';

export async function run({ quick, log }) {
  const jobs = quick ? 300 : 1000;
  const rounds = quick ? 3 : 5;
  return withRedis(async (redis) => {
    const prefix = 'bench';
    const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: 8 })]);
    const client = new KinglyClient({ redisUrl: redis.url, prefix });
    const spec = { argv: ['true'] };
    const round = async (n, oneByOne) => {
      const started = nowMs();
      const ids = (await client.enqueueMany(Array.from({ length: n }, () => spec))).map((j) => j.id);
      const records = oneByOne ? await Promise.all(ids.map((id) => client.waitForJob(id))) : await client.waitForJobs(ids);
      const ms = nowMs() - started;
      const bad = records.filter((r) => r.state !== 'succeeded');
      if (bad.length > 0) throw new Error(`${bad.length} jobs did not succeed (first: ${bad[0].state})`);
      return (n / ms) * 1000;
    };
    const samples = { oneByOne: [], oneCall: [] };
    try {
      await round(50, true);
      await round(50, false);
      for (let i = 0; i < rounds; i += 1) {
        samples.oneByOne.push(await round(jobs, true));
        samples.oneCall.push(await round(jobs, false));
        log(`round ${i + 1}/${rounds}: one by one ${samples.oneByOne.at(-1).toFixed(0)}/s, one call ${samples.oneCall.at(-1).toFixed(0)}/s`);
      }
    } finally {
      await client.close();
      await worker.close();
    }
    const rows = [
      { metric: `jobs/s (${jobs} × true, c=8, waitForJob each)`, kingly: median(samples.oneByOne), baseline: 'one waitForJobs(ids)', baselineValue: median(samples.oneCall), better: 'higher', target: { ratioAtLeast: 0.9 } },
    ];
    return { rows, samples, params: { jobs, rounds, concurrency: 8, spec } };
  });
}

// Sampling overhead: CPU of a worker process running 50 `sleep` jobs with the sampler at its
// default period (1 s) against the same worker with sampling effectively off (a period of ~11 days).
// Rounds alternate on/off, each with a fresh worker; the difference is given as % of one core.
import { KinglyClient } from '@kingly/cmd';
import { withRedis } from './lib/redis.mjs';
import { CLOCK_TICKS, cpuTicks, forkService, KINGLY_WORKER_SCRIPT, median, sleep, waitUntil } from './lib/util.mjs';

export const name = 'sampling';

const JOBS = 50;
const OFF_MS = 1e9;

export async function run({ quick, log }) {
  const rounds = quick ? 1 : 3;
  const windowMs = quick ? 4000 : 15_000;
  return withRedis(async (redis) => {
    let n = 0;
    /** Worker CPU, % of one core, over the window once all jobs run. */
    const measure = async (sampleIntervalMs) => {
      const prefix = `sampling${(n += 1)}`;
      const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: JOBS, sampleIntervalMs, shutdownGraceMs: 200 })]);
      const client = new KinglyClient({ redisUrl: redis.url, prefix });
      try {
        await client.enqueueMany(Array.from({ length: JOBS }, () => ({ argv: ['sleep', '1000'] })));
        await waitUntil(async () => (await client.listJobs({ state: 'running', limit: JOBS })).length === JOBS, { timeoutMs: 30_000, everyMs: 100, message: `${JOBS} running jobs` });
        // Let start-up work (records, first samples, JIT) settle; then only the worker's own clock runs.
        await sleep(1500);
        const t0 = await cpuTicks(worker.pid);
        const started = Date.now();
        await sleep(windowMs);
        const ticks = (await cpuTicks(worker.pid)) - t0;
        return ((ticks / CLOCK_TICKS) * 1000 * 100) / (Date.now() - started);
      } finally {
        await client.close();
        await worker.close();
      }
    };
    const samples = { on: [], off: [] };
    for (let i = 0; i < rounds; i += 1) {
      samples.on.push(await measure(1000));
      samples.off.push(await measure(OFF_MS));
      log(`round ${i + 1}/${rounds}: sampling every 1 s ${samples.on.at(-1).toFixed(2)} % of a core, off ${samples.off.at(-1).toFixed(2)} %`);
    }
    const on = median(samples.on);
    const off = median(samples.off);
    const rows = [
      { metric: `worker CPU % of a core, ${JOBS} sleeping jobs, sampled every 1 s`, kingly: on, better: 'lower' },
      { metric: `worker CPU % of a core, ${JOBS} sleeping jobs, sampling off`, kingly: off, better: 'lower' },
      { metric: 'sampling overhead, % of one core (on − off)', kingly: on - off, better: 'lower', target: { atMost: 2, unit: '%' } },
    ];
    return { rows, samples, params: { rounds, windowMs, jobs: JOBS, sampleIntervalMs: { on: 1000, off: OFF_MS } } };
  });
}

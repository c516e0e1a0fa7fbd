// Memory: Redis bytes per finished `true` job, everything counted (kingly's record, its index
// entries, its empty log, its share of the events stream, BullMQ's job hash, set entries and
// events share). N jobs run through one real worker; the figure is the `INFO memory` used_memory
// delta over N, taken after a warm-up so the structures exist (and are past their small encodings)
// before the first reading. A breakdown of one job's keys by `MEMORY USAGE` says where it goes.
import { Redis } from 'ioredis';
import { KinglyClient } from '@kingly/cmd';
import { withRedis } from './lib/redis.mjs';
import { forkService, KINGLY_WORKER_SCRIPT, waitUntil } from './lib/util.mjs';

export const name = 'memory';

/** Goal of issue 13: a finished `true` job costs at most this many bytes of Redis. */
const GOAL_BYTES = 2048;

const usedMemory = async (redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);
const memoryUsage = async (redis, key) => Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);

export async function run({ quick, log }) {
  const jobs = quick ? 500 : 2000;
  const warmup = 300;
  return withRedis(async (server) => {
    const prefix = 'bench';
    const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: server.url, prefix, concurrency: 8, sampleIntervalMs: 1000 })]);
    const client = new KinglyClient({ redisUrl: server.url, prefix });
    const redis = new Redis(server.url);
    const spec = { argv: ['true'] };
    const queue = await client.queue();
    const runAll = async (n) => {
      const ids = (await client.enqueueMany(Array.from({ length: n }, () => spec))).map((j) => (typeof j === 'string' ? j : j.id));
      await client.waitForJobs(ids, { timeoutMs: 600_000 });
      // BullMQ moves a job to completed after kingly's record says it ended.
      const total = (await queue.getJobCounts('completed')).completed;
      await waitUntil(async () => (await queue.getJobCounts('active')).active === 0 && (await queue.getJobCounts('completed')).completed >= total, { timeoutMs: 60_000, message: 'BullMQ to complete every job' });
      return ids;
    };
    try {
      await runAll(warmup);
      const before = await usedMemory(redis);
      const ids = await runAll(jobs);
      const after = await usedMemory(redis);
      const perJob = (after - before) / jobs;
      // Where one job's bytes go (MEMORY USAGE of its own keys, and shared keys over the jobs in them).
      const id = ids[Math.floor(jobs / 2)];
      const keys = client.keys;
      const all = warmup + jobs;
      const share = async (key, count = all) => (await memoryUsage(redis, key)) / count;
      const indexes = [keys.jobsIndex, keys.stateIndex('succeeded'), keys.queueIndex('commands'), keys.nameIndex('true'), keys.expiries];
      let indexBytes = 0;
      for (const key of indexes) indexBytes += await share(key);
      const parts = {
        record: await memoryUsage(redis, keys.job(id)),
        log: await memoryUsage(redis, keys.logs(id)),
        indexes: indexBytes,
        // Both events streams are capped (kingly's at ~100,000 entries, BullMQ's at ~10,000): shares of jobs run so far.
        events: await share(keys.events),
        bullJob: await memoryUsage(redis, queue.toKey(id)),
        bullCompleted: await share(queue.toKey('completed')),
        bullEvents: await share(queue.toKey('events')),
      };
      log(`${jobs} jobs: used_memory +${after - before} B, ${perJob.toFixed(0)} B/job; ${Object.entries(parts).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
      const rows = [
        { metric: `Redis bytes per finished true job (used_memory delta / ${jobs})`, kingly: perJob, target: { atMost: GOAL_BYTES, unit: 'B' } },
        ...Object.entries(parts).map(([part, bytes]) => ({ metric: `  of which ${part} (MEMORY USAGE${part === 'record' || part === 'log' || part === 'bullJob' ? ', one job' : ', share'})`, kingly: bytes })),
      ];
      return { rows, params: { jobs, warmup, spec, before, after, parts } };
    } finally {
      await client.close();
      await redis.quit();
      await worker.close();
    }
  });
}

// Prune at scale (not a bench row: seeding takes minutes): `node --expose-gc bench/prune-scale.mjs [N]`
// (after a build) seeds N finished jobs (default 100,000) through the JobStore on a private
// redis-server, then times a dry run and a prune down to 10,000 (maxJobs) and a per-name dry run,
// with the client's heap. Run it under --max-old-space-size=64 to see that memory stays bounded.
import { Redis } from 'ioredis';
import { finishJob, KinglyClient, recordFromData } from '@kingly/cmd';
import { startRedisServer } from '@kingly/testing';
const N = Number(process.argv[2] ?? 100_000);
const server = await startRedisServer();
try {
  const client = new KinglyClient({ redisUrl: server.url, prefix: 'p' });
  const redis = new Redis(server.url);
  const t0 = Date.now();
  for (let done = 0; done < N; done += 5000) {
    const spec = { argv: ['true'], name: `n${done % 7}` };
    const jobs = (await client.enqueueMany(Array.from({ length: 5000 }, () => spec))).map((j) => (typeof j === 'string' ? j : j.id));
    const now = Date.now();
    await Promise.all(jobs.map((id) => {
      const record = recordFromData(id, client.queueName, { ...spec, createdAt: now }, 'succeeded');
      return finishJob(redis, client.keys, { ...record, exitCode: 0, finishedAt: new Date().toISOString(), durationMs: 3 });
    }));
  }
  // As in a running system: BullMQ's finished jobs are in its completed set or already trimmed, not waiting.
  await (await client.queue()).obliterate({ force: true });
  console.log(`seeded ${await redis.zcard(client.keys.stateIndex('succeeded'))} finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 20);
  let t = Date.now();
  const dry = await client.prune({ maxJobs: 10_000, dryRun: true });
  console.log(`dry run: ${dry.pruned} would go, ${dry.examined} examined, ${Date.now() - t} ms`);
  t = Date.now();
  const keep = await client.prune({ keepLast: 1000, dryRun: true });
  console.log(`keep-last 1000 per name (7 names) dry run: ${keep.pruned} would go, ${Date.now() - t} ms`);
  t = Date.now();
  const real = await client.prune({ maxJobs: 10_000 });
  clearInterval(timer);
  console.log(`prune maxJobs 10000: ${real.pruned} pruned, ${real.bullRemoved} BullMQ jobs removed, ${Date.now() - t} ms; client heap peak +${((peak - heap0) / 1048576).toFixed(1)} MB`);
  console.log(`left: ${await redis.zcard(client.keys.stateIndex('succeeded'))} succeeded, ${await redis.zcard(client.keys.jobsIndex)} indexed, bull waiting ${await (await client.queue()).getWaitingCount()}`);
  await client.close(); await redis.quit();
} finally { await server.stop(); }

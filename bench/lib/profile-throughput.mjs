// Profiling aid (not part of `npm run bench`): runs N `true` jobs through a kingly worker started
// with --cpu-prof and leaves the .cpuprofile in the given directory.
//   node bench/lib/profile-throughput.mjs <dir> [jobs] [json-spec]
import { KinglyClient } from '@kingly/cmd';
import { withRedis } from './redis.mjs';
import { forkService, KINGLY_WORKER_SCRIPT, nowMs } from './util.mjs';

const [dir = '/tmp/kingly-prof', n = '1000', specJson = '{"argv":["true"]}'] = process.argv.slice(2);
await withRedis(async (redis) => {
  const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix: 'p', concurrency: 8 })], {
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const client = new KinglyClient({ redisUrl: redis.url, prefix: 'p' });
  const spec = JSON.parse(specJson);
  const t0 = nowMs();
  const ids = (await client.enqueueMany(Array.from({ length: Number(n) }, () => spec))).map((j) => j.id);
  const t1 = nowMs();
  await client.waitForJobs(ids);
  const t2 = nowMs();
  console.log(`enqueue ${(t1 - t0).toFixed(0)} ms, all done ${(t2 - t0).toFixed(0)} ms: ${((Number(n) / (t2 - t0)) * 1000).toFixed(0)} jobs/s`);
  await client.close();
  await worker.close();
});

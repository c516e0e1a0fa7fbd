// Profiling aid (not part of `npm run bench`): throughput of two kingly checkouts' workers on one
// private Redis, rounds alternating (A B, B A, …) so a noisy machine treats both alike. Each root
// needs `npm ci && npm run build`; e.g. `git worktree add /tmp/before <commit>` for A.
//   node bench/lib/ab-workers.mjs <rootA> <rootB> [rounds = 10] [jobs per round = 1000]
import { KinglyClient } from '@kingly/cmd';
import { withRedis } from './redis.mjs';
import { forkService, median, nowMs } from './util.mjs';

const [rootA, rootB, rounds = '10', jobs = '1000'] = process.argv.slice(2);
if (!rootA || !rootB) {
  console.error('usage: node bench/lib/ab-workers.mjs <rootA> <rootB> [rounds] [jobs per round]');
  process.exit(2);
}
const n = Number(jobs);
const specs = (count) => Array.from({ length: count }, () => ({ argv: ['true'] }));

await withRedis(async (redis) => {
  const systems = [];
  try {
    for (const [name, root] of [['A', rootA], ['B', rootB]]) {
      const prefix = `ab-${name}`;
      const worker = await forkService(`${root}/bench/lib/kingly-worker.mjs`, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: 8 })]);
      const client = new KinglyClient({ redisUrl: redis.url, prefix });
      systems.push({ name, root, worker, client, rates: [] });
      await client.waitForJobs((await client.enqueueMany(specs(100))).map((j) => j.id)); // warm-up
    }
    for (let round = 0; round < Number(rounds); round += 1) {
      for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
        const started = nowMs();
        await system.client.waitForJobs((await system.client.enqueueMany(specs(n))).map((j) => j.id));
        system.rates.push((n / (nowMs() - started)) * 1000);
      }
    }
    for (const s of systems) console.log(`${s.name} ${s.root}: median ${median(s.rates).toFixed(0)} jobs/s; rounds ${s.rates.map((r) => r.toFixed(0)).join(' ')}`);
    console.log(`B/A ${(median(systems[1].rates) / median(systems[0].rates)).toFixed(3)}`);
  } finally {
    for (const s of systems) {
      await s.client.close();
      await s.worker.close();
    }
  }
});

// CLI: wall time of `kingly status --json` (the built binary, as a user runs it) with 20 running
// jobs, against `pm2 jlist` with 20 processes. The two alternate run by run.
import { KinglyClient } from '@kingly/cmd';
import { startPm2 } from './baselines/pm2-jlist.mjs';
import { withRedis } from './lib/redis.mjs';
import { forkService, KINGLY_WORKER_SCRIPT, median, ROOT_DIR, runTimed, waitUntil } from './lib/util.mjs';

export const name = 'cli';

const JOBS = 20;

export async function run({ quick, log }) {
  const rounds = quick ? 5 : 15;
  return withRedis(async (redis) => {
    const prefix = 'bench';
    const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: JOBS, shutdownGraceMs: 200 })]);
    const client = new KinglyClient({ redisUrl: redis.url, prefix });
    let pm2;
    const samples = { kingly: [], pm2: [] };
    try {
      await client.enqueueMany(Array.from({ length: JOBS }, () => ({ argv: ['sleep', '1000'] })));
      await waitUntil(async () => (await client.status()).running.length === JOBS, { timeoutMs: 20_000, message: `${JOBS} running jobs` });
      pm2 = await startPm2(JOBS);
      const kingly = async () => {
        const result = await runTimed(process.execPath, [`${ROOT_DIR}/apps/cli/bin/kingly.js`, 'status', '--json', '--redis-url', redis.url, '--prefix', prefix], { env: { KINGLY_HOME: '/nonexistent-kingly-bench-home' } });
        if (result.code !== 0) throw new Error(`kingly status --json exited with ${result.code}: ${result.stderr.trim()}`);
        const running = JSON.parse(result.stdout).running?.length;
        if (running !== JOBS) throw new Error(`kingly status --json listed ${running} running jobs, expected ${JOBS}`);
        return result.ms;
      };
      await kingly();
      await pm2.jlist();
      for (let i = 0; i < rounds; i += 1) {
        samples.kingly.push(await kingly());
        samples.pm2.push(await pm2.jlist());
      }
      log(`kingly status --json ${median(samples.kingly).toFixed(0)} ms, pm2 jlist ${median(samples.pm2).toFixed(0)} ms (medians of ${rounds})`);
    } finally {
      await pm2?.stop();
      await client.close();
      await worker.close();
    }
    const rows = [
      { metric: `wall ms, ${JOBS} running`, kingly: median(samples.kingly), baseline: 'pm2 jlist', baselineValue: median(samples.pm2), better: 'lower', target: { ratioAtMost: 0.7 } },
    ];
    return { rows, samples, params: { rounds, jobs: JOBS, command: 'kingly status --json' } };
  });
}

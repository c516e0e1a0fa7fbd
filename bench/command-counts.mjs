// Command counts: Redis commands that `kingly status --json` and `kingly jobs --limit 20 --json`
// issue (INFO commandstats, reset before each run) with 100 finished jobs and with 100,000. The
// JobStore's indexes make both O(page): the counts must not grow with the number of jobs.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createKeys, finishJob, KinglyClient, recordFromData } from '@kingly/cmd';
import { withRedis } from './lib/redis.mjs';
import { ROOT_DIR, runTimed } from './lib/util.mjs';

export const name = 'command-counts';

const SMALL = 100;
const CHUNK = 5000;

/** Enqueues `n` more `true` jobs and finishes them in the JobStore; BullMQ's part is removed as its removeOnComplete would. */
async function seedFinished(client, redis, n) {
  const keys = createKeys(client.keys.prefix);
  for (let done = 0; done < n; done += CHUNK) {
    const count = Math.min(CHUNK, n - done);
    const spec = { argv: ['true'], name: `seed-${done % 7}` };
    const jobs = (await client.enqueueMany(Array.from({ length: count }, () => spec))).map((j) => j.id);
    const now = Date.now();
    await Promise.all(
      jobs.map(({ id }) => {
        const record = recordFromData(id, client.queueName, { ...spec, createdAt: now }, 'succeeded');
        return finishJob(redis, keys, { ...record, exitCode: 0, finishedAt: new Date().toISOString(), durationMs: 3 });
      }),
    );
  }
  const queue = new Queue(client.queueName, { connection: redis.duplicate(), prefix: client.keys.prefix });
  await queue.obliterate({ force: true });
  await queue.close();
}

/** Calls of every command while `args` ran, by command name. */
async function commandsOf(redis, url, prefix, args) {
  await redis.config('RESETSTAT');
  const result = await runTimed(process.execPath, [`${ROOT_DIR}/apps/cli/bin/kingly.js`, ...args, '--redis-url', url, '--prefix', prefix], { env: { KINGLY_HOME: '/nonexistent-kingly-bench-home' } });
  if (result.code !== 0) throw new Error(`kingly ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  const stats = await redis.info('commandstats');
  const calls = {};
  for (const [, cmd, n] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (!cmd.startsWith('config') && cmd !== 'info') calls[cmd] = Number(n);
  return { total: Object.values(calls).reduce((a, b) => a + b, 0), calls, ms: result.ms };
}

export async function run({ quick, log }) {
  const large = quick ? 20_000 : 100_000;
  return withRedis(async (server) => {
    const prefix = 'bench';
    const redis = new Redis(server.url);
    const client = new KinglyClient({ redisUrl: server.url, prefix });
    const commands = [['status', '--json'], ['jobs', '--limit', '20', '--json']];
    const measured = {};
    try {
      for (const size of [SMALL, large]) {
        const t0 = Date.now();
        await seedFinished(client, redis, size - (size === SMALL ? 0 : SMALL));
        log(`${size} finished jobs seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        for (const args of commands) {
          const counts = await commandsOf(redis, server.url, prefix, args);
          measured[`${args[0]}@${size}`] = counts;
          log(`kingly ${args.join(' ')} with ${size} jobs: ${counts.total} commands ${JSON.stringify(counts.calls)}, ${counts.ms.toFixed(0)} ms`);
        }
      }
    } finally {
      await client.close();
      redis.disconnect();
    }
    const rows = commands.map(([command, ...rest]) => ({
      metric: `Redis commands, kingly ${[command, ...rest].join(' ')}, ${large} finished jobs`,
      kingly: measured[`${command}@${large}`].total,
      baseline: `the same with ${SMALL} jobs`,
      baselineValue: measured[`${command}@${SMALL}`].total,
      better: 'lower',
      target: { ratioAtMost: 1 },
    }));
    return { rows, measured, params: { small: SMALL, large } };
  });
}

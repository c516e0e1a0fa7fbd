// Scaling figures for docs/scaling.md: `node bench/scaling.mjs [--quick] [--part=per-job|throughput]` (after a build).
// Each part gets its own redis-server. Measures, per job from enqueue to finish: Redis commands
// (INFO commandstats), bytes in and out (INFO stats) with 0, 100 and 10,000 log lines; jobs/s with
// 1, 4 and 8 worker processes (concurrency 4 each) and the CPU Redis and the workers used; memory
// per finished job (used_memory); the events stream's entries per job and its cap.
import { KinglyClient } from '@kingly/cmd';
import { Redis } from 'ioredis';
import { withRedis } from './lib/redis.mjs';
import { cpuTicks, CLOCK_TICKS, forkService, KINGLY_WORKER_SCRIPT, round, waitUntil } from './lib/util.mjs';

const quick = process.argv.includes('--quick');
const info = async (redis, section) => Object.fromEntries((await redis.info(section)).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')));
const totalCalls = async (redis) => Object.entries(await info(redis, 'commandstats')).reduce((n, [, v]) => n + Number(/calls=(\d+)/.exec(v)?.[1] ?? 0), 0);
const netBytes = async (redis) => {
  const s = await info(redis, 'stats');
  return { in: Number(s.total_net_input_bytes), out: Number(s.total_net_output_bytes) };
};

async function startWorkers(url, prefix, count, concurrency = 4) {
  // One at a time, with time to spare: on a loaded machine a worker may take long to start.
  const workers = [];
  for (let i = 0; i < count; i += 1) workers.push(await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: url, prefix, concurrency })], { timeoutMs: 120_000 }));
  return workers;
}

async function runJobs(client, n, command) {
  const jobs = await client.enqueueMany(Array.from({ length: n }, () => ({ command })));
  const ids = jobs.map((j) => j.id);
  await waitUntil(async () => (await client.status()).counts.succeeded >= n, { timeoutMs: 600_000, everyMs: 200, message: `${n} jobs to succeed` });
  return ids;
}

/** Commands and bytes per job with `lines` lines of output, one worker process. */
async function perJob(lines, n) {
  return withRedis(async ({ url, port }) => {
    const prefix = `scale-${lines}`;
    const redis = new Redis(port, '127.0.0.1');
    const client = new KinglyClient({ redisUrl: url, prefix });
    const workers = await startWorkers(url, prefix, 1);
    await runJobs(client, 2, 'true'); // warm: scripts loaded, connections open
    const idleFrom = [await totalCalls(redis), Date.now()];
    await new Promise((r) => setTimeout(r, 3000));
    const idlePerMs = ((await totalCalls(redis)) - idleFrom[0]) / (Date.now() - idleFrom[1]);
    const calls0 = await totalCalls(redis);
    const bytes0 = await netBytes(redis);
    const mem0 = Number((await info(redis, 'memory')).used_memory);
    const xlen0 = await redis.xlen(`${prefix}:events`);
    const t0 = Date.now();
    await runJobs(client, n + 2, lines === 0 ? 'true' : `seq 1 ${lines}`);
    const elapsed = Date.now() - t0;
    const calls = (await totalCalls(redis)) - calls0 - idlePerMs * elapsed;
    const bytes1 = await netBytes(redis);
    const mem1 = Number((await info(redis, 'memory')).used_memory);
    const events = (await redis.xlen(`${prefix}:events`)) - xlen0;
    await Promise.all(workers.map((w) => w.close()));
    await client.close();
    redis.disconnect();
    return {
      lines,
      jobs: n,
      commandsPerJob: round(calls / n, 1),
      bytesInPerJob: Math.round((bytes1.in - bytes0.in) / n),
      bytesOutPerJob: Math.round((bytes1.out - bytes0.out) / n),
      memoryPerJob: Math.round((mem1 - mem0) / n),
      eventsPerJob: round(events / n, 2),
      idleCommandsPerSecond: round(idlePerMs * 1000, 1),
    };
  });
}

/** Jobs/s of `processes` worker processes (concurrency 4 each) over `n` quick jobs, and who used the CPU. */
async function throughput(processes, n) {
  return withRedis(async ({ url, process: server }) => {
    const prefix = `tp-${processes}`;
    const client = new KinglyClient({ redisUrl: url, prefix });
    const workers = await startWorkers(url, prefix, processes);
    await runJobs(client, processes * 4, 'true');
    const redisTicks0 = await cpuTicks(server.pid);
    const workerTicks0 = await Promise.all(workers.map((w) => cpuTicks(w.pid)));
    const t0 = Date.now();
    await runJobs(client, n + processes * 4, 'true');
    const seconds = (Date.now() - t0) / 1000;
    const redisCpu = ((await cpuTicks(server.pid)) - redisTicks0) / CLOCK_TICKS / seconds;
    const workerTicks1 = await Promise.all(workers.map((w) => cpuTicks(w.pid)));
    const workerCpu = workerTicks1.reduce((sum, ticks, i) => sum + (ticks - workerTicks0[i]), 0) / CLOCK_TICKS / seconds;
    await Promise.all(workers.map((w) => w.close()));
    await client.close();
    return { processes, jobs: n, jobsPerSecond: round(n / seconds, 1), redisCpuCores: round(redisCpu, 2), workerCpuCores: round(workerCpu, 2) };
  });
}

const part = process.argv.find((a) => a.startsWith('--part='))?.slice('--part='.length);
const perJobRows = [];
if (part === undefined || part === 'per-job') {
  for (const [lines, n] of quick ? [[0, 50], [100, 50], [10_000, 5]] : [[0, 200], [100, 200], [10_000, 20]]) perJobRows.push(await perJob(lines, n));
  console.table(perJobRows);
}
const tpRows = [];
if (part === undefined || part === 'throughput') {
  for (const processes of [1, 4, 8]) tpRows.push(await throughput(processes, quick ? 100 : 400));
  console.table(tpRows);
}
console.log(JSON.stringify({ perJob: perJobRows, throughput: tpRows, load: (await import('node:os')).loadavg() }));
process.exit(0);

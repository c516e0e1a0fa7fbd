// Log streaming: one job printing N lines of 100 bytes (99 characters and a newline, each line its
// own number so a loss or a swap shows), read live with followLogs while it runs. Baseline: the
// same command through raw pipelined XADD and XREAD on the same Redis. Also: lines lost, and the
// kingly worker's RSS growth while it streams.
import { fork } from 'node:child_process';
import { KinglyClient } from '@kingly/cmd';
import { consume } from './baselines/xadd-xread.mjs';
import { withRedis } from './lib/redis.mjs';
import { BENCH_DIR, forkService, KINGLY_WORKER_SCRIPT, median, nowMs, rssBytes, sleep, watchRss } from './lib/util.mjs';

export const name = 'log-streaming';

const command = (n) => `seq -f '%099.0f' 1 ${n}`;

/** Checks lines arrive as 1, 2, 3… and counts those that do not. */
function checker() {
  let expected = 1;
  let bad = 0;
  let count = 0;
  return {
    line(text) {
      count += 1;
      if (Number(text) !== expected) bad += 1;
      expected = Number(text) + 1;
    },
    result: (n) => ({ count, lost: n - count, outOfOrder: bad }),
  };
}

export async function run({ quick, log }) {
  const lines = quick ? 200_000 : 1_000_000;
  const rounds = quick ? 2 : 3;
  return withRedis(async (redis) => {
    const prefix = 'bench';
    const worker = await forkService(KINGLY_WORKER_SCRIPT, [JSON.stringify({ redisUrl: redis.url, prefix, concurrency: 2 })]);
    const client = new KinglyClient({ redisUrl: redis.url, prefix });
    const kinglyRound = async () => {
      const check = checker();
      const before = await rssBytes(worker.pid);
      const rss = watchRss(worker.pid, 50);
      const started = nowMs();
      const { id } = await client.enqueue({ command: command(lines) });
      for await (const entry of client.followLogs(id)) {
        if (entry.stream === 'stdout') check.line(entry.line);
      }
      const ms = nowMs() - started;
      const peak = await rss.stop();
      const record = await client.waitForJob(id);
      if (record.state !== 'succeeded') throw new Error(`kingly job ended ${record.state}: ${record.reason ?? ''}`);
      return { rate: (lines / ms) * 1000, ms, ...check.result(lines), rssGrowthMB: (peak - before) / 2 ** 20 };
    };
    let keyN = 0;
    const baselineRound = async () => {
      const check = checker();
      const key = `raw:logs:${(keyN += 1)}`;
      const started = nowMs();
      const producer = fork(`${BENCH_DIR}/baselines/xadd-xread.mjs`, ['produce', redis.url, key, command(lines)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const produced = new Promise((resolve, reject) => {
        producer.on('message', (m) => m?.type === 'done' && resolve(m.lines));
        producer.once('exit', (code) => code !== 0 && reject(new Error(`producer exited with ${code}`)));
      });
      await consume(redis.url, key, (line) => check.line(line));
      const ms = nowMs() - started;
      await produced;
      return { rate: (lines / ms) * 1000, ms, ...check.result(lines) };
    };
    const samples = { kingly: [], raw: [] };
    try {
      // Warm-up, then let the worker settle before its RSS is taken as the base.
      await client.waitForJob((await client.enqueue({ command: command(10_000) })).id);
      await sleep(500);
      for (let i = 0; i < rounds; i += 1) {
        samples.kingly.push(await kinglyRound());
        samples.raw.push(await baselineRound());
        const k = samples.kingly.at(-1);
        log(`round ${i + 1}/${rounds}: kingly ${k.rate.toFixed(0)} lines/s (lost ${k.lost}, out of order ${k.outOfOrder}, RSS +${k.rssGrowthMB.toFixed(1)} MB), raw ${samples.raw.at(-1).rate.toFixed(0)} lines/s`);
      }
    } finally {
      await client.close();
      await worker.close();
    }
    const rate = median(samples.kingly.map((s) => s.rate));
    const lost = Math.max(...samples.kingly.map((s) => s.lost + s.outOfOrder));
    const rssGrowth = Math.max(...samples.kingly.map((s) => s.rssGrowthMB));
    const rows = [
      { metric: `lines/s end to end (${lines.toLocaleString('en-US')} × 100 B)`, kingly: rate, baseline: 'raw XADD/XREAD', baselineValue: median(samples.raw.map((s) => s.rate)), better: 'higher', target: { atLeast: 150_000, unit: 'lines/s' } },
      { metric: 'lines lost or out of order (worst round)', kingly: lost, better: 'lower', target: { equals: 0 } },
      { metric: 'worker RSS growth, MB (worst round)', kingly: rssGrowth, better: 'lower', target: { below: 64, unit: 'MB' } },
    ];
    return { rows, samples, params: { lines, rounds, command: command(lines) } };
  });
}

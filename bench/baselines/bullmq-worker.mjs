// Baseline: the minimal BullMQ worker. Takes jobs from a queue and runs `true` with execa, at
// concurrency 8. No records, no log streaming, no sampling: what kingly adds is compared to this.
//   node bench/baselines/bullmq-worker.mjs <redis-url> [queue] [concurrency]
import { Worker } from 'bullmq';
import { execa } from 'execa';
import { Redis } from 'ioredis';

const [url = 'redis://127.0.0.1:6379', queue = 'baseline', concurrency = '8'] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });

const worker = new Worker(
  queue,
  async () => {
    await execa('true');
  },
  { connection, concurrency: Number(concurrency) },
);
await worker.waitUntilReady();

const close = async () => {
  await worker.close();
  await connection.quit();
  process.exit(0);
};
process.on('message', (m) => m?.type === 'close' && void close());
process.on('SIGTERM', () => void close());
process.send?.({ type: 'ready', pid: process.pid });

// PM2 ecosystem for kingly on one machine of many: `pm2 start ecosystem.config.cjs`.
// Every worker needs only the Redis URL; start the API on one machine (or `--only kingly-worker`).
// KINGLY_WORKERS sets how many worker processes this machine runs (default 1), each taking
// KINGLY_WORKER_CONCURRENCY jobs at once (default 4).
const kingly = `${__dirname}/apps/cli/bin/kingly.js`;
const redisUrl = process.env.KINGLY_REDIS_URL || 'redis://127.0.0.1:6379';
const workers = Number(process.env.KINGLY_WORKERS || 1);
const concurrency = process.env.KINGLY_WORKER_CONCURRENCY || '4';

module.exports = {
  apps: [
    {
      name: 'kingly-worker',
      script: kingly,
      args: ['worker', '--concurrency', concurrency],
      instances: workers,
      exec_mode: 'fork',
      env: { KINGLY_REDIS_URL: redisUrl },
      // On SIGINT a worker stops taking jobs and gives running ones 10 s (its --grace) before it
      // kills them and exits: PM2 must wait longer than that before its SIGKILL.
      kill_timeout: 30_000,
      // PM2 signals the whole process tree by default: the jobs (the worker's children, each in a
      // process group of its own) would get the SIGINT too and end `cancelled`. Signal the worker
      // only; it ends its jobs itself.
      treekill: false,
      autorestart: true,
    },
    {
      name: 'kingly-api',
      script: kingly,
      args: ['api', '--host', '127.0.0.1', '--port', '7077'],
      env: { KINGLY_REDIS_URL: redisUrl },
      kill_timeout: 5_000,
      autorestart: true,
    },
  ],
};

// PM2 ecosystem for kingly on one machine of many: `pm2 start ecosystem.config.cjs`.
// Every worker needs only the Redis URL; start the API on one machine.
const kingly = `${__dirname}/apps/cli/bin/kingly.js`;
const redisUrl = process.env.KINGLY_REDIS_URL || 'redis://127.0.0.1:6379';

module.exports = {
  apps: [
    {
      name: 'kingly-worker',
      script: kingly,
      args: ['worker', '--concurrency', '4'],
      env: { KINGLY_REDIS_URL: redisUrl },
      // The worker's own grace for running jobs is 10 s; let PM2 wait for it.
      kill_timeout: 30_000,
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

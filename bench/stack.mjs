// Local stack: wall time of a cold `kingly up` (the built binary starts a PM2 daemon, then
// redis-server, the worker and the API under it, each waited for until it answers) and of
// `kingly down` (every process gone), and the PM2 daemon's RSS (`ps -o rss=`), in a fresh
// KINGLY_HOME each round. No baseline: these are the README's figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, ROOT_DIR, runTimed } from './lib/util.mjs';

export const name = 'stack';

const KINGLY = `${ROOT_DIR}/apps/cli/bin/kingly.js`;

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function kingly(args, home) {
  const result = await runTimed(process.execPath, [KINGLY, ...args], { env: { KINGLY_HOME: home, KINGLY_REDIS_URL: '' } });
  if (result.code !== 0) throw new Error(`kingly ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  return result;
}

async function rssKiB(pid) {
  const result = await runTimed('ps', ['-o', 'rss=', '-p', String(pid)]);
  return Number(result.stdout.trim());
}

export async function run({ quick, log }) {
  const rounds = quick ? 2 : 5;
  const samples = { up: [], upNoApi: [], down: [], daemonRssKiB: [] };
  for (let i = 0; i < rounds; i += 1) {
    for (const withApi of [true, false]) {
      const home = mkdtempSync(join(tmpdir(), 'kingly-bench-stack-'));
      try {
        const up = await kingly(['up', '--json', ...(withApi ? ['--api-port', String(await freePort())] : ['--no-api'])], home);
        (withApi ? samples.up : samples.upNoApi).push(up.ms);
        if (withApi) samples.daemonRssKiB.push(await rssKiB(Number(readFileSync(join(home, 'pm2', 'pm2.pid'), 'utf8'))));
        samples.down.push((await kingly(['down'], home)).ms);
      } finally {
        // Kept when its stack cannot be stopped, so it can be stopped by hand (KINGLY_HOME=<it> kingly down).
        const down = await runTimed(process.execPath, [KINGLY, 'down'], { env: { KINGLY_HOME: home, KINGLY_REDIS_URL: '' } });
        if (down.code === 0) rmSync(home, { recursive: true, force: true });
        else log(`kingly down failed in ${home}: ${down.stderr.trim()}`);
      }
    }
  }
  log(
    `kingly up ${median(samples.up).toFixed(0)} ms (--no-api ${median(samples.upNoApi).toFixed(0)} ms), down ${median(samples.down).toFixed(0)} ms, ` +
      `PM2 daemon RSS ${(median(samples.daemonRssKiB) / 1024).toFixed(1)} MiB (medians of ${rounds})`,
  );
  const rows = [
    { metric: 'kingly up, cold, wall ms (redis + worker + API)', kingly: median(samples.up) },
    { metric: 'kingly up --no-api, cold, wall ms', kingly: median(samples.upNoApi) },
    { metric: 'kingly down, wall ms', kingly: median(samples.down) },
    { metric: 'PM2 daemon RSS, MiB', kingly: median(samples.daemonRssKiB) / 1024 },
  ];
  return { rows, samples, params: { rounds } };
}

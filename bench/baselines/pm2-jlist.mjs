// Baseline: `pm2 jlist` with 20 processes under a private pm2 daemon (PM2_HOME in a temp dir,
// the daemon killed after). pm2 is a root devDependency.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTimed } from '../lib/util.mjs';

const require = createRequire(import.meta.url);

/** Starts a pm2 daemon running `count` × `sleep 1000`; returns jlist() and stop(). */
export async function startPm2(count = 20) {
  const pm2 = join(require.resolve('pm2/package.json'), '..', 'bin', 'pm2');
  const home = mkdtempSync(join(tmpdir(), 'kingly-bench-pm2-'));
  const env = { PM2_HOME: home, PM2_DISCRETE_MODE: 'true' };
  const run = (args) => runTimed(process.execPath, [pm2, ...args], { env });
  const ecosystem = join(home, 'ecosystem.json');
  writeFileSync(ecosystem, JSON.stringify({ apps: Array.from({ length: count }, (_, i) => ({ name: `sleep-${i}`, script: 'sleep', args: '1000', interpreter: 'none', autorestart: false })) }));
  const stop = async () => {
    await run(['kill']).catch(() => {});
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const started = await run(['start', ecosystem]);
    if (started.code !== 0) throw new Error(`pm2 start exited with ${started.code}: ${started.stderr.trim() || started.stdout.trim()}`);
    return {
      /** One `pm2 jlist`, timed as a user would see it; checks it lists every process. */
      async jlist() {
        const result = await run(['jlist']);
        if (result.code !== 0) throw new Error(`pm2 jlist exited with ${result.code}: ${result.stderr.trim()}`);
        const online = JSON.parse(result.stdout).filter((p) => p.pm2_env?.status === 'online').length;
        if (online !== count) throw new Error(`pm2 jlist listed ${online} online processes, expected ${count}`);
        return result.ms;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

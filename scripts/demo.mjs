#!/usr/bin/env node
// kingly demo: the built CLI on the embedded local stack (redis-server + a worker daemon).
// Run with `npm start` (builds first), or `node scripts/demo.mjs` after `npm run build`.
//
// Where the stack lives: a fresh temp directory as KINGLY_HOME, removed at the end, so the demo
// never touches ~/.kingly or a stack you already run. Set KINGLY_HOME to use a home of your own
// instead: the demo then stops the stack at the end only if it was the one that started it.
// KINGLY_REDIS_URL is removed from the demo's environment (the point is the local stack), and the
// local stack listens on a unix socket (or a free loopback port, never 6379), so no Redis of the
// machine's is used. Needs redis-server on PATH (Debian/Ubuntu: apt-get install redis-server).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, 'apps', 'cli', 'bin', 'kingly.js');
const ownHome = process.env.KINGLY_HOME;
const home = ownHome || mkdtempSync(join(tmpdir(), 'kingly-demo-'));
const env = { ...process.env, KINGLY_HOME: home };
delete env.KINGLY_REDIS_URL;

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

/** Runs `kingly …` with the output on this terminal; returns its exit code. */
function kingly(args, { show = true } = {}) {
  if (show) console.log(`\n${bold(`$ kingly ${args.map(quote).join(' ')}`)}`);
  const result = spawnSync(process.execPath, [bin, ...args], { env, stdio: show ? 'inherit' : ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: result.stdout ?? '' };
}

const quote = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

const failures = [];
function expectCode(what, actual, expected) {
  if (actual !== expected) failures.push(`${what}: exit ${actual}, expected ${expected}`);
  else console.log(`(exit ${actual}, as expected)`);
}

let startedHere = !ownHome;
try {
  console.log(`kingly demo — local stack in ${home}`);
  // A free port for the API, so the demo never clashes with a stack of yours on 7077.
  const apiPort = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const up = kingly(['up', '--json', '--api-port', String(apiPort)], { show: false });
  if (up.code !== 0) throw new Error(`'kingly up' failed with exit ${up.code} (see the message above)`);
  const report = JSON.parse(up.stdout);
  startedHere ||= report.started.length > 0;
  console.log(`redis at ${report.redisUrl} (pid ${report.redis.pid}), worker pid ${report.worker.pid}`);
  if (report.api) {
    console.log(`API, live page and Bull Board at ${report.api.url} (token in ${report.api.tokenFile ?? 'KINGLY_API_TOKEN'})`);
    const status = await fetch(`${report.api.url}/api/status`, { headers: { authorization: `Bearer ${report.api.token}` } });
    expectCode('GET /api/status (HTTP status)', status.status, 200);
  }

  expectCode('hello', kingly(['run', '-f', 'echo "hello from $(hostname)"; echo "this line went to stderr" >&2']).code, 0);
  expectCode('steps', kingly(['run', '-f', '--name', 'steps', 'for i in 1 2 3; do echo "step $i"; sleep 0.3; done; exit 3']).code, 3);

  console.log(`\n${bold('$ id=$(kingly run --env GREETING=hi "sleep 1; echo \\$GREETING") && kingly wait "$id" && kingly logs "$id"')}`);
  const queued = kingly(['run', '--env', 'GREETING=hi', 'sleep 1; echo $GREETING'], { show: false });
  const id = queued.stdout.trim();
  console.log(`queued job ${id}`);
  expectCode('wait', kingly(['wait', id], { show: false }).code, 0);
  expectCode('logs', kingly(['logs', id]).code, 0);

  expectCode('jobs', kingly(['jobs']).code, 0);
  expectCode('status', kingly(['status']).code, 0);
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  if (startedHere) expectCode('down', kingly(['down']).code, 0);
  if (!ownHome) rmSync(home, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\ndemo failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\ndemo done: every command behaved as expected.');

// Small helpers every benchmark shares: statistics, process readings (through the worker's accounting
// module, the one place that reads processes), child processes, waiting.
import { fork, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accounting, CPU_UNITS_PER_SECOND } from '@kingly/worker/accounting';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = dirname(BENCH_DIR);
/** Units of cpuTicks() per second of CPU time. */
export const CLOCK_TICKS = CPU_UNITS_PER_SECOND;

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export const round = (value, digits = 2) => (Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const nowMs = () => performance.now();

/** CPU time (user + system) of a process in CLOCK_TICKS units (undefined once it is gone). */
export async function cpuTicks(pid) {
  return (await accounting().proc(pid))?.cpuTicks;
}

/** Resident set size of a process in bytes (undefined once it is gone). */
export async function rssBytes(pid) {
  return (await accounting().proc(pid))?.rssBytes;
}

/** Polls a process's RSS every `everyMs` until stop(); stop() resolves to the highest value seen. */
export function watchRss(pid, everyMs = 50) {
  let peak = 0;
  const read = async () => {
    peak = Math.max(peak, (await rssBytes(pid)) ?? 0);
  };
  let reading = read();
  const timer = setInterval(() => {
    reading = reading.then(read);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await reading.then(read);
      return peak;
    },
  };
}

/** Waits until `check()` is truthy, polling; throws with `message` after `timeoutMs`. */
export async function waitUntil(check, { timeoutMs = 30_000, everyMs = 25, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(everyMs);
  }
}

/**
 * Forks a long-running helper (a worker) that sends {type: 'ready'} over IPC once it takes jobs,
 * and stops on {type: 'close'}. Returns its pid and close().
 */
export async function forkService(script, args, { env, execArgv = [], timeoutMs = 30_000 } = {}) {
  const child = fork(script, args, { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let timer;
  await Promise.race([
    new Promise((resolve, reject) => {
      child.on('message', (m) => m?.type === 'ready' && resolve());
      child.once('error', reject);
      timer = setTimeout(() => reject(new Error(`${script} did not get ready within ${timeoutMs} ms`)), timeoutMs);
    }),
    exited.then(({ code, signal }) => {
      throw new Error(`${script} exited before it was ready (code ${code}, signal ${signal})`);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    pid: child.pid,
    child,
    async close(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'close' });
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** Runs a command to its end; resolves with wall time (ms), exit code and output. */
export function runTimed(file, args, { env, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(file, args, { env: { ...process.env, ...env }, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.once('error', reject);
    if (input !== undefined) child.stdin.end(input);
    child.once('close', (code, signal) =>
      resolve({ ms: nowMs() - started, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** True when `name` is an executable on PATH. */
export async function onPath(name) {
  const result = await runTimed('sh', ['-c', `command -v ${name}`]).catch(() => ({ code: 1 }));
  return result.code === 0;
}

/** The kingly worker process; KINGLY_BENCH_WORKER points at another one (an older build, to compare). */
export const KINGLY_WORKER_SCRIPT = process.env.KINGLY_BENCH_WORKER || join(BENCH_DIR, 'lib', 'kingly-worker.mjs');

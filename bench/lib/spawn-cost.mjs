// Profiling aid (not part of `npm run bench`): CPU that spawning `true` costs this Node process,
// with <MB> of extra resident memory held, to show fork() grows with the parent's RSS.
//   node bench/lib/spawn-cost.mjs [MB]
import { spawn } from 'node:child_process';
const mb = Number(process.argv[2] ?? 0);
const keep = [];
for (let i = 0; i < mb; i++) keep.push(Buffer.alloc(1024 * 1024, 1));
const N = 500;
let t = 0; const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const c = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  t += performance.now() - t0;
  await new Promise((r) => c.on('exit', r));
}
const cu = process.cpuUsage(c0);
console.log(mb, 'MB: wall in spawn', (t / N).toFixed(3), 'ms; cpu/job user', (cu.user / N / 1000).toFixed(3), 'sys', (cu.system / N / 1000).toFixed(3), 'rss', (process.memoryUsage().rss / 1e6).toFixed(0));

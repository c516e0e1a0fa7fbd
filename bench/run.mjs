// `npm run bench [-- --quick] [-- --only=throughput,latency]`: runs each benchmark against its own
// private redis-server, kingly and its baselines side by side in alternating rounds, prints one
// table of medians, ratios and targets, and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, formatTable, judge } from './lib/report.mjs';
import { BENCH_DIR } from './lib/util.mjs';

const BENCHMARKS = ['throughput', 'latency', 'log-streaming', 'cli', 'stack', 'sampling', 'enqueue', 'waits', 'command-counts', 'memory', 'worktree-reuse'];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',').filter(Boolean) : BENCHMARKS;
for (const name of only) {
  if (!BENCHMARKS.includes(name)) {
    console.error(`bench: unknown benchmark '${name}', expected one of ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
}
if (args.includes('--help')) {
  console.log(`usage: node bench/run.mjs [--quick] [--only=${BENCHMARKS.join(',')}]`);
  process.exit(0);
}

const machine = await describeMachine();
console.log(`kingly bench${quick ? ' (quick)' : ''}: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, redis ${machine.redis}, load ${machine.loadAverageAtStart}`);
const startedAt = new Date();
const results = [];
for (const name of BENCHMARKS.filter((b) => only.includes(b))) {
  const t0 = Date.now();
  const log = (line) => console.log(`  [${name}] ${line}`);
  console.log(`\n▶ ${name}`);
  try {
    const bench = await import(`./${name}.mjs`);
    const result = await bench.run({ quick, log });
    results.push({ name, ...result, rows: result.rows.map(judge), seconds: (Date.now() - t0) / 1000 });
  } catch (error) {
    console.error(`  [${name}] failed: ${error?.stack ?? error}`);
    results.push({ name, rows: [], error: String(error?.message ?? error), seconds: (Date.now() - t0) / 1000 });
  }
  console.log(`  [${name}] ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

console.log(`\n${formatTable(results)}\n`);
const out = {
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  quick,
  machine,
  benchmarks: results,
};
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
const file = join(BENCH_DIR, 'results', 'latest.json');
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`results: ${file} (${out.seconds.toFixed(0)} s)`);
const missed = results.flatMap((b) => b.rows.filter((r) => r.result === 'MISS' || r.result === 'error').map((r) => `${b.name}: ${r.metric}`));
const failed = results.filter((b) => b.error).map((b) => b.name);
if (missed.length + failed.length > 0) console.log(`missed or failed: ${[...failed, ...missed].join('; ')}`);
// A missed target is a finding, not a crash: exit 0 unless a benchmark could not run.
process.exit(failed.length > 0 ? 1 : 0);

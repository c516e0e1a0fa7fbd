// Profiling aid (not part of `npm run bench`): the heaviest functions of a .cpuprofile written by
// `node --cpu-prof`, by self time and by inclusive time.
//   node bench/lib/summarize-profile.mjs <file.cpuprofile> [self rows = 30] [inclusive rows = 60]
import { readFileSync } from 'node:fs';

const [file, selfRows = '30', inclusiveRows = '60'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/lib/summarize-profile.mjs <file.cpuprofile> [self rows] [inclusive rows]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const timeOf = new Map();
profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const label = (n) => {
  const url = n.callFrame.url.replace(/.*node_modules\//, '').replace(/^file:\/\/.*?\/(apps|libs|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};
const self = new Map();
const inclusive = new Map();
let total = 0;
for (const [id, time] of timeOf) {
  total += time;
  const own = label(nodes.get(id));
  self.set(own, (self.get(own) ?? 0) + time);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const name = label(nodes.get(at));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + time);
  }
}
const top = (map, rows) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([name, time]) => `${(time / 1000).toFixed(0).padStart(8)} ms ${((100 * time) / total).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
console.log(`total ${(total / 1000).toFixed(0)} ms\n-- self\n${top(self, Number(selfRows))}\n-- inclusive\n${top(inclusive, Number(inclusiveRows))}`);

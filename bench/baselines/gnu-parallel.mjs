// Baseline: GNU parallel running `true` n times, 8 at a time (`seq n | parallel -j8 -N0 true`).
// Skipped when parallel is not installed (apt-get install -y parallel).
import { runTimed, onPath } from '../lib/util.mjs';

export const available = () => onPath('parallel');

/** Wall time in ms to run `true` n times with -j8. */
export async function runParallel(n, jobs = 8) {
  const result = await runTimed('sh', ['-c', `seq ${n} | parallel --will-cite -j${jobs} -N0 true`]);
  if (result.code !== 0) throw new Error(`parallel exited with ${result.code}: ${result.stderr.trim()}`);
  return result.ms;
}

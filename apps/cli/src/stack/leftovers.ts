import { STACK_ENV, type StackPaths } from './paths.js';

/** Long enough for the worker's shutdown grace (10 s) and redis saving its data. */
const GRACE_MS = 30_000;

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/**
 * Stops processes of this stack that no PM2 daemon supervises any more (their daemon was killed
 * with SIGKILL, so PM2 forgot them): found by the stack's marker in their environment (the
 * worker's process accounting reads it), sent SIGTERM, then SIGKILL after GRACE_MS. `keep` are
 * pids to leave alone (the PM2 daemon the stack runs under). Resolves with the pids it stopped.
 */
export async function stopLeftovers(paths: StackPaths, keep: readonly number[] = []): Promise<number[]> {
  const { accounting } = await import('@kingly/worker/accounting');
  const backend = accounting();
  const table = await backend.table();
  const markers = await backend.envMarkers(table.map((p) => p.pid), STACK_ENV);
  // With its start time, so a pid the kernel hands to another process meanwhile is never signalled.
  const found = table.filter((p) => markers.get(p.pid) === paths.home && p.pid !== process.pid && !keep.includes(p.pid));
  if (found.length === 0) return [];
  for (const { pid } of found) signal(pid, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  const alive = async (): Promise<number[]> => {
    const left: number[] = [];
    for (const { pid, startTime } of found) {
      const proc = await backend.proc(pid);
      if (proc !== undefined && !proc.zombie && proc.startTime === startTime) left.push(pid);
    }
    return left;
  };
  let left = await alive();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await alive();
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  return found.map((p) => p.pid);
}

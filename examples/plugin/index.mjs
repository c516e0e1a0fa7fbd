// A plugin package: it depends on @kingly/cmd and uses its public names only; kingly knows
// nothing of it (the dependency points one way). It runs a project's checks as tracked jobs, in
// parallel on whatever workers serve the queue, and summarises them.
import { spawnProcess } from '@kingly/cmd';

/**
 * Runs each check (a shell command) as a kingly job in `cwd` and resolves when all have ended.
 * @param {Record<string, string>} checks name → command, e.g. { test: 'npm test', lint: 'npm run lint' }
 * @param {{ cwd?: string, tailLines?: number, client?: import('@kingly/cmd').KinglyClient }} [options]
 * @returns {Promise<Array<{ name: string, id: string, state: string, exitCode: number | null, durationMs: number | null, tail: string[] }>>}
 */
export async function runChecks(checks, options = {}) {
  const tailLines = options.tailLines ?? 5;
  const handles = await Promise.all(
    Object.entries(checks).map(async ([name, command]) => ({
      name,
      proc: await spawnProcess(command, { name: `check ${name}`, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.client ? { client: options.client } : {}) }),
    })),
  );
  return Promise.all(
    handles.map(async ({ name, proc }) => {
      const lines = [];
      for await (const line of proc.logs()) lines.push(line);
      const record = await proc.result;
      return { name, id: proc.id, state: record.state, exitCode: record.exitCode, durationMs: record.durationMs, tail: lines.slice(-tailLines) };
    }),
  );
}

/** True when every check succeeded. */
export const allPassed = (results) => results.every((r) => r.state === 'succeeded');

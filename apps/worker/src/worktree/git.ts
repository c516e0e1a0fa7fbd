import { simpleGit, type SimpleGit } from 'simple-git';

/** Ms a network git command (fetch) may go without output before it is killed. */
export const NETWORK_SILENCE_MS = 5 * 60_000;

/** The worker's environment without what simple-git refuses to pass (GIT_*, editors, pagers). */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (k.startsWith('git') || ['editor', 'visual', 'pager', 'prefix', 'ssh_askpass'].includes(k)) continue;
    env[key] = value;
  }
  // Never wait on a password prompt nobody can answer.
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

/**
 * A simple-git bound to `dir`. Every argument goes to git as its own argv entry (no shell). Git
 * variables of the worker's environment are dropped, so GIT_DIR and the like never redirect it.
 */
export function gitAt(dir: string, options: { network?: boolean } = {}): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 4,
    trimmed: true,
    allowEnvironment: ['GIT_TERMINAL_PROMPT'],
    ...(options.network ? { timeout: { block: NETWORK_SILENCE_MS } } : {}),
  }).env(gitEnv());
}

/** Runs `git <args>` in `dir` and returns its trimmed stdout. */
export const runGit = (dir: string, args: readonly string[], options: { network?: boolean } = {}): Promise<string> =>
  gitAt(dir, options).raw([...args]);

/** Git's own words from a failed command (kept in `@kingly/cmd`). */
export { gitMessage } from '@kingly/cmd';

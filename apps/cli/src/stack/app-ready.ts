import { readFileSync } from 'node:fs';
import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';
import type { Pm2Process, Pm2Session } from './pm2.js';

/** The last lines of a log file, to say why a daemon did not come up. */
export function logTail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

export interface WaitForAppOptions {
  /** How the app is named in errors: 'redis-server', 'the worker', 'the API'. */
  readonly what: string;
  /** Its PM2 name. */
  readonly app: string;
  readonly log: string;
  readonly timeoutMs: number;
}

/** Thrown when the app exited while it was starting; `tail` is the end of its log. */
export class ExitedAtStart extends KinglyError {
  constructor(
    what: string,
    readonly tail: string,
    log: string,
  ) {
    super(ErrorCodes.STACK_FAILED, `${what} exited at start: ${tail}`, { hint: `see ${log}` });
  }
}

/**
 * Resolves once `ready(process)` says yes (polled every 100 ms while PM2 says the app runs).
 * ExitedAtStart when PM2 had to restart it or gave up on it; E_STACK_FAILED when the time is up.
 */
export async function waitForApp(pm2: Pm2Session, options: WaitForAppOptions, ready: (proc: Pm2Process) => Promise<boolean>): Promise<Pm2Process> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const proc = (await pm2.list()).find((p) => p.name === options.app);
    if (proc === undefined || proc.restarts > 0 || proc.status === 'errored' || proc.status === 'stopped') {
      throw new ExitedAtStart(options.what, logTail(options.log), options.log);
    }
    if (proc.status === 'online' && proc.pid > 0 && (await ready(proc))) return proc;
    if (Date.now() > deadline) {
      throw new KinglyError(ErrorCodes.STACK_FAILED, `${options.what} (PM2 app ${options.app}) was not ready within ${options.timeoutMs / 1000}s`, {
        hint: `see ${options.log}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

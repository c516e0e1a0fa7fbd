/** True while any process of the group exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal to a whole process group; a group that is gone already is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const until = async (check: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return check();
};

export interface KillGroupOptions {
  /** First signal. @default "SIGTERM" */
  readonly signal?: NodeJS.Signals;
  /** How long the group may take to exit before SIGKILL. @default 5000 */
  readonly graceMs?: number;
}

/** Signals the group, then SIGKILLs whatever is left after the grace period. Resolves when it is gone. */
export async function killGroup(pgid: number, options: KillGroupOptions = {}): Promise<void> {
  const signal = options.signal ?? 'SIGTERM';
  if (!signalGroup(pgid, signal)) return;
  if (signal === 'SIGKILL') {
    await until(() => !groupAlive(pgid), 2000);
    return;
  }
  if (await until(() => !groupAlive(pgid), options.graceMs ?? 5000)) return;
  signalGroup(pgid, 'SIGKILL');
  await until(() => !groupAlive(pgid), 2000);
}

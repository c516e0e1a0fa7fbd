import { appName, STACK_PARTS, type StackPart } from './apps.js';
import { stackPaths } from './paths.js';
import { daemonRuns, withPm2 } from './pm2.js';
import { readState } from './state.js';

/** One daemon of the local stack, as PM2 sees it. */
export interface LocalDaemon {
  readonly name: StackPart;
  /** Its PM2 app name. */
  readonly app: string;
  /** True while PM2 says it is online. */
  readonly up: boolean;
  /** PM2's status: online, launching, waiting restart, stopping, stopped, errored; `absent` when PM2 has no such app. */
  readonly status: string;
  /** 0 when it does not run. */
  readonly pid: number;
  /** How often PM2 restarted it since it was started (a crash, or a kill). */
  readonly restarts: number;
}

export interface LocalStackStatus {
  readonly home: string;
  readonly pm2Home: string;
  readonly daemons: LocalDaemon[];
}

/** The local stack's daemons, or undefined when the stack is not running (read only: starts nothing). */
export async function localStackStatus(home: string): Promise<LocalStackStatus | undefined> {
  const paths = stackPaths(home);
  const state = readState(paths);
  if (state === undefined || !(await daemonRuns(state.pm2Home))) return undefined;
  const list = await withPm2(state.pm2Home, {}, (pm2) => pm2.list());
  const daemons = STACK_PARTS.flatMap((part): LocalDaemon[] => {
    const app = appName(part, paths, state.pm2Home);
    const proc = list.find((p) => p.name === app);
    // The API is reported only when it was started (`kingly up`); the others always.
    if (proc === undefined && part === 'api') return [];
    return [{ name: part, app, up: proc?.status === 'online', status: proc?.status ?? 'absent', pid: proc?.pid ?? 0, restarts: proc?.restarts ?? 0 }];
  });
  return { home, pm2Home: state.pm2Home, daemons };
}

/** `local stack in HOME (PM2 home …): redis up, worker up (restarted 1×), api up`. */
export function localStackText(status: LocalStackStatus): string {
  const parts = status.daemons.map((d) => {
    const restarted = d.restarts > 0 ? ` (restarted ${d.restarts}×)` : '';
    return `${d.name} ${d.up ? 'up' : d.status === 'absent' ? 'not started' : `DOWN (${d.status})`}${restarted}`;
  });
  return `local stack in ${status.home} (PM2 home ${status.pm2Home}): ${parts.join(', ')}\n`;
}

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { TokenSource } from './api-token.js';
import type { StackPaths } from './paths.js';

/** What the API daemon was started with. */
export interface ApiState {
  readonly url: string;
  readonly port: number;
  readonly queue: string;
  readonly prefix: string;
  readonly tokenSource: TokenSource;
  /** tokenFingerprint() of its token: whether the token in hand is the one it takes. */
  readonly tokenFingerprint: string;
}

/** run/stack.json: written under the lock when the stack starts, removed by `kingly down`. */
export interface StackState {
  /** PM2_HOME of the daemon that runs the stack's apps. */
  readonly pm2Home: string;
  /** How to reach the stack's redis (a unix socket, or loopback TCP when the socket path is too long). */
  readonly redisUrl: string;
  /** Set once the worker was started (`kingly worker` starts redis alone). */
  readonly worker?: boolean;
  /** The API's settings, when it was started. */
  readonly api?: ApiState;
}

export function readState(paths: StackPaths): StackState | undefined {
  try {
    const state = JSON.parse(readFileSync(paths.stateFile, 'utf8')) as Partial<StackState>;
    return typeof state.pm2Home === 'string' && typeof state.redisUrl === 'string' ? (state as StackState) : undefined;
  } catch {
    return undefined;
  }
}

export function writeState(paths: StackPaths, state: StackState): void {
  writeFileSync(paths.stateFile, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

export function clearState(paths: StackPaths): void {
  rmSync(paths.stateFile, { force: true });
}

// Messages between a worker and its spawner process (JSON over Node's IPC channel).

/** Worker → spawner: start a program in a new session and process group. */
export interface SpawnRequest {
  readonly t: 'spawn';
  readonly id: number;
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Over the spawner's environment (which is the worker's). */
  readonly env: Readonly<Record<string, string>>;
}

/** Spawner → worker, in this order per request: `out` (with the stdout pipe), `err` (with the stderr pipe), `exit`; or `error` alone. */
export type SpawnerMessage =
  | { readonly t: 'out'; readonly id: number; readonly pid: number }
  | { readonly t: 'err'; readonly id: number }
  | { readonly t: 'exit'; readonly id: number; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly t: 'error'; readonly id: number; readonly message: string; readonly code?: string };

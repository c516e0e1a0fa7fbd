/** One process as the accounting backend sees it. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /**
   * When it started, in the backend's own unit (proc: clock ticks since boot; ps: seconds since the
   * epoch): with the pid, identifies a process for good. Compared only with the same backend's.
   */
  readonly startTime: number;
  /** CPU time used (user + system), in CPU_UNITS_PER_SECOND units. */
  readonly cpuTicks: number;
  readonly rssBytes: number;
  readonly zombie: boolean;
}

/** Units of ProcInfo.cpuTicks per second of CPU time, whatever the backend or the kernel's CLK_TCK. */
export const CPU_UNITS_PER_SECOND = 100;

/** Which backend reads processes: Linux's /proc, or `ps` (macOS, and Linux by choice). */
export type AccountingKind = 'proc' | 'ps';

/** What the worker needs to know about processes: the table, one process, and the job cookie. */
export interface ProcessAccounting {
  readonly kind: AccountingKind;
  /** Every live (not zombie) process now. */
  table(): Promise<ProcInfo[]>;
  /** One process, zombies included (flagged); undefined when it is gone. */
  proc(pid: number): Promise<ProcInfo | undefined>;
  /**
   * Live processes with a pid above `pid`, but those `skip` names. `newest` (the last pid handed
   * out) lets a backend open the few pids between instead of reading the whole table.
   */
  procsAfter(pid: number, skip: (pid: number) => boolean, newest?: number): Promise<ProcInfo[]>;
  /** The pid the kernel handed out last, where the backend can tell; else undefined. */
  lastPid(): number | undefined;
  /** The value of `name` in each process's environment, by pid (unreadable or unset: absent). */
  envMarkers(pids: readonly number[], name: string): Promise<Map<number, string>>;
  /** Start time of a live process (as ProcInfo.startTime), or null when gone or a zombie. Synchronous: lock files use it. */
  startTimeSync(pid: number): number | null;
}

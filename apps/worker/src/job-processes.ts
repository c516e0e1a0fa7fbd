import { freshProcTable, lastPid, readJobCookie, readProcsAfter, type ProcInfo } from './proc-table.js';

/** Which job (if any) each process belongs to, cached by pid and start time (a process's env never changes). */
export class CookieCache {
  readonly #cache = new Map<string, string | null>();

  async jobOf(proc: ProcInfo): Promise<string | null> {
    let job = this.cached(proc);
    if (job === undefined) {
      job = (await readJobCookie(proc.pid)) ?? null;
      this.#cache.set(`${proc.pid}:${proc.startTime}`, job);
    }
    return job;
  }

  /** What jobOf would answer from the cache alone (undefined: not read yet). */
  cached(proc: ProcInfo): string | null | undefined {
    return this.#cache.get(`${proc.pid}:${proc.startTime}`);
  }

  /** Forgets processes that are gone. */
  prune(live: readonly ProcInfo[]): void {
    const keep = new Set(live.map((p) => `${p.pid}:${p.startTime}`));
    for (const key of this.#cache.keys()) if (!keep.has(key)) this.#cache.delete(key);
  }
}

/**
 * The processes of a job: its process group, the leader's descendants, every process carrying the
 * job's KINGLY_JOB_ID cookie (grandchildren that called setsid or double-forked and were reparented
 * to init), and their descendants.
 */
export async function jobProcesses(
  table: readonly ProcInfo[],
  jobs: ReadonlyArray<{ id: string; pgid: number | null }>,
  cookies: CookieCache,
): Promise<Map<string, ProcInfo[]>> {
  const byPgid = new Map(jobs.filter((j) => j.pgid !== null).map((j) => [j.pgid!, j.id]));
  const ids = new Set(jobs.map((j) => j.id));
  const owner = new Map<number, string>();
  const self = process.pid;
  for (const proc of table) {
    if (proc.pid === self) continue;
    const byGroup = byPgid.get(proc.pgid) ?? byPgid.get(proc.pid);
    if (byGroup) {
      owner.set(proc.pid, byGroup);
      continue;
    }
    // Most processes are known already: no await (one microtask per process) for those.
    const known = cookies.cached(proc);
    const cookie = known !== undefined ? known : await cookies.jobOf(proc);
    if (cookie && ids.has(cookie)) owner.set(proc.pid, cookie);
  }
  // Descendants of owned processes that dropped the cookie (env -i) still belong to the job.
  const children = new Map<number, ProcInfo[]>();
  for (const proc of table) {
    const list = children.get(proc.ppid);
    if (list) list.push(proc);
    else children.set(proc.ppid, [proc]);
  }
  const stack = [...owner.keys()];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    for (const child of children.get(pid) ?? []) {
      if (!owner.has(child.pid) && child.pid !== self) {
        owner.set(child.pid, owner.get(pid)!);
        stack.push(child.pid);
      }
    }
  }
  const result = new Map<string, ProcInfo[]>(jobs.map((j) => [j.id, []]));
  const byPid = new Map(table.map((p) => [p.pid, p]));
  for (const [pid, job] of owner) result.get(job)!.push(byPid.get(pid)!);
  return result;
}

/**
 * A fresh snapshot of one job's processes (for killing: never from a cache of the table; the read
 * starts after this call, shared with snapshots asked for in the same turn of the event loop).
 */
export async function snapshotJob(jobId: string, pgid: number | null, cookies: CookieCache = new CookieCache()): Promise<ProcInfo[]> {
  const table = await freshProcTable();
  return (await jobProcesses(table, [{ id: jobId, pgid }], cookies)).get(jobId) ?? [];
}

/**
 * Pids are handed out in increasing order until they wrap at pid_max (32768 at least), so within
 * this long of the leader's start no wrap can have happened unless the machine made pid_max
 * processes meanwhile, which takes far longer.
 */
const NO_WRAP_WITHIN_MS = 1000;

/**
 * What a job whose leader (pid = pgid) has exited left running, read fresh. Every process of the
 * job started after its leader: for a short job whose pids cannot have wrapped, only processes
 * with a higher pid are read (most of /proc is skipped on the path every short job takes), but
 * not those `othersLeader` names (the running leaders of other jobs: on a busy worker most of the
 * newer processes, each a /proc read saved); otherwise the whole table is.
 */
export async function leftoverProcesses(
  jobId: string,
  leaderPid: number,
  ranMs: number,
  cookies: CookieCache,
  othersLeader: (pid: number) => boolean = () => false,
): Promise<ProcInfo[]> {
  const newest = lastPid();
  const table = ranMs < NO_WRAP_WITHIN_MS && newest !== undefined && newest >= leaderPid ? readProcsAfter(leaderPid, othersLeader, newest) : await freshProcTable();
  return (await jobProcesses(table, [{ id: jobId, pgid: leaderPid }], cookies)).get(jobId) ?? [];
}

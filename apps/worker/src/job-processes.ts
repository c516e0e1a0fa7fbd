import { freshProcTable, lastPid, readJobCookies, readProcsAfter, type ProcInfo } from './proc-table.js';

/** Which job (if any) each process belongs to, cached by pid and start time (a process's env never changes). */
export class CookieCache {
  readonly #cache = new Map<string, string | null>();

  /** Reads the cookies of the processes not cached yet, all in one backend call (one `ps` with that backend). */
  async load(procs: readonly ProcInfo[]): Promise<void> {
    const unknown = procs.filter((p) => this.cached(p) === undefined);
    if (unknown.length === 0) return;
    const found = await readJobCookies(unknown.map((p) => p.pid));
    for (const proc of unknown) this.#cache.set(`${proc.pid}:${proc.startTime}`, found.get(proc.pid) ?? null);
  }

  /** The job of a process from the cache (null: none; undefined: not read yet). */
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
  const outside: ProcInfo[] = [];
  for (const proc of table) {
    if (proc.pid === self) continue;
    const byGroup = byPgid.get(proc.pgid) ?? byPgid.get(proc.pid);
    if (byGroup) owner.set(proc.pid, byGroup);
    else outside.push(proc);
  }
  // Most processes are known already; the rest are read together.
  await cookies.load(outside);
  for (const proc of outside) {
    const cookie = cookies.cached(proc);
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
  const table = ranMs < NO_WRAP_WITHIN_MS && newest !== undefined && newest >= leaderPid ? await readProcsAfter(leaderPid, othersLeader, newest) : await freshProcTable();
  return (await jobProcesses(table, [{ id: jobId, pgid: leaderPid }], cookies)).get(jobId) ?? [];
}

import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { bullJobIdOf, finishWorkerLost, markLostRetry, recordFromHash, scanKeys, type JobData, type JobRecord, type KinglyKeys, type WorkerHeartbeat } from '@kingly/cmd';
import { killJobProcesses } from './kill.js';
import { readProc } from './proc-table.js';
import { parseReapEntry, type ReapEntry } from './reap-entry.js';
import { FailureLog } from './failure-log.js';
import type { GroupAdmission } from './group-admission.js';
import { agentCap, type AgentAdmission } from './agent/agent-slots.js';

export interface ReaperOptions {
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  readonly host: string;
  /** Sampling of the shared state, ms. @default 5000 */
  readonly intervalMs?: number;
  /** Lines for the worker's own log (reaped jobs, failed passes). @default nowhere */
  readonly log?: (line: string) => void;
  /** Admits the next job of a capped group when a lost job's slot is freed. @default undefined (the parked job's recheck does) */
  readonly admission?: GroupAdmission;
  /** Admits the next agent job when a lost agent job's slot (agents.maxConcurrent) is freed. @default undefined (the parked job's recheck does) */
  readonly agents?: AgentAdmission;
}

/** What the reaper reads of a live worker's heartbeat. */
interface LiveBeat {
  /** The jobs it holds; undefined from a worker that does not publish them. */
  readonly jobs: ReadonlySet<string> | undefined;
  /** When the beat was written (ms, the worker's clock). */
  readonly lastSeenAt: number;
}

function parseBeat(text: string): LiveBeat {
  try {
    const beat = JSON.parse(text) as Partial<WorkerHeartbeat>;
    const jobs = Array.isArray(beat.jobs) && beat.jobs.every((j) => typeof j === 'string') ? new Set(beat.jobs) : undefined;
    return { jobs, lastSeenAt: typeof beat.lastSeenAt === 'number' ? beat.lastSeenAt : 0 };
  } catch {
    return { jobs: undefined, lastSeenAt: 0 };
  }
}

/**
 * Deals with what dead workers left behind. Any worker: a job whose worker's heartbeat expired
 * ends `worker-lost` (or is queued again when attempts remain), and so does a job left `running`
 * on a live worker that does not hold it (a lost write). A worker on the dead worker's host: kills
 * the job's processes (never a reused pid: the leader's start time must match) and forgets the entry.
 */
export class Reaper {
  readonly #o: Required<Omit<ReaperOptions, 'log' | 'admission' | 'agents'>> & Pick<ReaperOptions, 'log' | 'admission' | 'agents'>;
  readonly #queues = new Map<string, Queue<JobData>>();
  readonly #failures: FailureLog;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;

  constructor(options: ReaperOptions) {
    this.#o = { intervalMs: 5000, ...options };
    this.#failures = new FailureLog(
      options.log ??
        (() => {
          /* no log: nowhere to say it */
        }),
    );
  }

  start(): void {
    // A pass that fails leaves dead workers' jobs running and unreported: say so (the next pass retries).
    const what = `reaper of host ${this.#o.host}`;
    this.#timer = setInterval(() => {
      this.reapOnce().then(
        () => this.#failures.worked(what),
        (error: unknown) => this.#failures.failed(what, error),
      );
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#busy?.catch(() => {
      /* a pass's failure is reported by whoever started it (the interval above, or createWorker) */
    });
    await Promise.all(
      [...this.#queues.values()].map((q) => q.close().catch((error: unknown) => this.#failures.failed(`reaper: closing queue '${q.name}'`, error))),
    );
  }

  /** One pass over every host's running entries and the pending retries. */
  reapOnce(): Promise<void> {
    this.#busy ??= this.#reap().finally(() => {
      this.#busy = undefined;
    });
    return this.#busy;
  }

  async #reap(): Promise<void> {
    const { redis, keys } = this.#o;
    for await (const hostKey of scanKeys(redis, keys.runningPattern)) {
      const entries = await redis.hgetall(hostKey);
      const ids = Object.keys(entries);
      if (ids.length === 0) continue;
      const workers = [...new Set(ids.map((id) => parseReapEntry(entries[id]!)?.workerId ?? ''))];
      const pipeline = redis.pipeline();
      for (const w of workers) pipeline.get(keys.worker(w));
      const results = (await pipeline.exec()) ?? [];
      const beats = new Map<string, LiveBeat>();
      workers.forEach((w, i) => {
        const text = results[i]?.[1];
        if (typeof text === 'string') beats.set(w, parseBeat(text));
      });
      const ownHost = hostKey === keys.running(this.#o.host);
      for (const id of ids) {
        const entry = parseReapEntry(entries[id]!);
        if (!entry) continue;
        const beat = beats.get(entry.workerId);
        if (beat) {
          if (beat.jobs && !beat.jobs.has(id)) await this.#reconcile(hostKey, id, entry, beat.lastSeenAt);
          continue;
        }
        await this.#markLost(id, entry);
        if (ownHost) {
          await this.#killLeftovers(id, entry);
          await redis.hdel(hostKey, id);
        }
      }
    }
    await this.#retryLost();
  }

  async #killLeftovers(id: string, entry: ReapEntry): Promise<void> {
    const leader = entry.pid === null ? undefined : await readProc(entry.pid);
    const leaderIsOurs = leader !== undefined && entry.procStartTime !== null && leader.startTime === entry.procStartTime;
    const left = await killJobProcesses(id, leaderIsOurs ? entry.pgid : null, { graceMs: 2000 });
    this.#o.log?.(`kingly worker: reaped job ${id} of dead worker ${entry.workerId}${left > 0 ? ` (${left} process(es) could not be killed)` : ''}`);
  }

  async #markLost(id: string, entry: ReapEntry): Promise<void> {
    const { redis, keys } = this.#o;
    const hash = await redis.hgetall(keys.job(id));
    if (hash.state !== 'running' || hash.workerId !== entry.workerId) return;
    const record = recordFromHash(id, hash);
    const reason = `worker ${entry.workerId} on ${record.host ?? 'its host'} stopped sending heartbeats`;
    if (record.attempt < record.attempts) {
      await markLostRetry(redis, keys, record, entry.workerId, `attempt ${record.attempt} of ${record.attempts} lost its worker; retrying`);
      return;
    }
    if (await finishWorkerLost(redis, keys, record, reason)) await this.#admitNext(record);
  }

  /**
   * A record `running` on a live worker that does not hold it: the worker's terminal write was lost
   * (Redis replicates asynchronously; an unplanned failover drops the last writes). Nobody will end
   * it, so it ends `worker-lost` here (once: the finish script's first writer wins), never retried
   * (the command may well have run to its end).
   */
  async #reconcile(hostKey: string, id: string, entry: ReapEntry, beatAt: number): Promise<void> {
    const { redis, keys } = this.#o;
    const hash = await redis.hgetall(keys.job(id));
    if (hash.state !== 'running' || hash.workerId !== entry.workerId) return;
    const record = recordFromHash(id, hash);
    // Only a beat written after the job was taken (both times from that worker's clock) lists it.
    if (record.startedAt === null || !(Date.parse(record.startedAt) < beatAt)) return;
    const reason = `worker ${entry.workerId} on ${record.host ?? 'its host'} is alive but no longer holds the job: its end was not recorded (a write Redis lost, as in a failover)`;
    if (await finishWorkerLost(redis, keys, record, reason)) {
      this.#o.log?.(`kingly worker: ended job ${id} worker-lost: ${reason}`);
      await this.#admitNext(record);
    }
    await redis.hdel(hostKey, id);
  }

  /** The lost job's group slot and agent slot are free: admit the next job in each line now, as a job's own end does. */
  async #admitNext(record: JobRecord): Promise<void> {
    const { admission, agents } = this.#o;
    if (!(admission && record.group) && !agents) return;
    const job = await this.#queue(record.queue).getJob(bullJobIdOf(record.id));
    if (!job) return;
    const limit = (job.data as Partial<JobData> | undefined)?.groupConcurrency;
    if (admission && record.group && typeof limit === 'number' && Number.isInteger(limit) && limit >= 1) await admission.leave(record.group, job.id!, limit);
    const cap = agentCap(job.data);
    if (agents && cap !== undefined) await agents.leave(job.id!, cap);
  }

  /**
   * BullMQ fails a stalled job (maxStalledCount 0): BullMQ 6 first moves it back to the wait list
   * and fails it when a worker next takes it. Once it has failed, the ones with attempts left are
   * retried; until then (active, waiting) the entry stays. Only a record still `queued` by the lost
   * retry is retried: one that has moved on (taken again, cancelled) is left alone.
   */
  async #retryLost(): Promise<void> {
    const { redis, keys } = this.#o;
    const ids = await redis.zrange(keys.lostRetries, 0, 99);
    for (const id of ids) {
      const [queueName, recordState] = await redis.hmget(keys.job(id), 'queue', 'state');
      const queue = queueName ? this.#queue(queueName) : undefined;
      const job = queue ? await queue.getJob(bullJobIdOf(id)) : undefined;
      const state = job ? await job.getState() : 'unknown';
      const pending = recordState === 'queued';
      if (pending && (state === 'active' || state === 'waiting' || state === 'prioritized' || state === 'delayed')) continue;
      if (pending && job && state === 'failed') await job.retry('failed');
      await redis.zrem(keys.lostRetries, id);
    }
  }

  #queue(name: string): Queue<JobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<JobData>(name, { connection: this.#o.redis, prefix: this.#o.keys.prefix });
      queue.on('error', (error) => this.#failures.failed(`reaper: queue '${name}'`, error));
      this.#queues.set(name, queue);
    }
    return queue;
  }
}

import { DelayedError, UnrecoverableError, WaitingError, Worker, type Processor, type WorkerOptions as BullWorkerOptions } from 'bullmq';
import { connectRedis, createKeys, hostQueueName, KinglyClient, queueHost, outcomeFailedReason, outcomeReport, PROTOCOL_VERSION, type JobData } from '@kingly/cmd';
import { AFTER_RETRY_MS, afterIds, cancelUnstarted, checkAfter } from './after-jobs.js';
import { GroupAdmission } from './group-admission.js';
import { AgentAdmission, agentCap } from './agent/agent-slots.js';
import { useAccounting } from './accounting/index.js';
import { Heartbeat } from './heartbeat.js';
import { FailureLog } from './failure-log.js';
import { runJob, type RunContext } from './run-job.js';
import type { RunningJob } from './running-job.js';
import { CookieCache } from './job-processes.js';
import { listenForControl } from './control-listener.js';
import { Reaper } from './reaper.js';
import { RetentionLoop } from './retention-loop.js';
import { Sampler } from './sampler.js';
import { SlotPool } from './slot-pool.js';
import { followPause } from './follow-pause.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './worker-options.js';
import { startWorktreeCleanup } from './worktree/index.js';

/** A running worker. `close()` stops taking jobs and ends the running ones within the grace period. */
export interface KinglyWorker {
  readonly id: string;
  readonly options: ResolvedWorkerOptions;
  /** The host's queue it also takes jobs from (`<queue>@<host>`), when it has one. */
  readonly hostQueue: string | undefined;
  /** Jobs whose processes are alive on this worker, by id. */
  readonly running: ReadonlyMap<string, RunningJob>;
  close(): Promise<void>;
}

/** How soon a job taken while this worker cannot heartbeat is looked at again (by any worker). */
const UNHEALTHY_RETRY_MS = 1000;

/** Connects, registers the heartbeat and starts taking jobs. */
export async function createWorker(input: WorkerOptions): Promise<KinglyWorker> {
  const options = resolveWorkerOptions(input);
  useAccounting(options.accounting);
  const keys = createKeys(options.prefix);
  const [redis, logsRedis, bullRedis] = await Promise.all([
    connectRedis(options.redisUrl),
    connectRedis(options.redisUrl),
    connectRedis(options.redisUrl, { maxRetriesPerRequest: null }),
  ]);
  // Programs that read kingly's keys without @kingly/cmd check it (docs/protocol.md); no TTL.
  // The queues it serves are known from now on, so a bare plain-BullMQ id is looked for there too
  // (and kingly pause of its queue finds its host queue).
  const hostQueue = hostQueueOf(options);
  await redis.multi().set(keys.protocol, String(PROTOCOL_VERSION)).sadd(keys.queues, options.queue, ...(hostQueue ? [hostQueue] : [])).exec();
  const running = new Map<string, RunningJob>();
  const cookies = new CookieCache();
  const client = new KinglyClient({ redisUrl: options.redisUrl, prefix: options.prefix, queue: options.queue });
  const held = new Set<string>();
  const ctx: RunContext = { options, keys, redis, logsRedis, running, held, cookies, client };
  const failures = new FailureLog(options.log);
  const admissionOptions = { redis, keys, queue: (name: string) => client.queue(name), failed: (what: string, error: unknown) => failures.failed(what, error) };
  const admission = new GroupAdmission(admissionOptions);
  const agents = new AgentAdmission(admissionOptions);
  // Before taking jobs: end and kill what dead workers (of this host) left behind.
  const reaper = new Reaper({ redis, keys, host: options.host, intervalMs: options.reapIntervalMs, log: options.log, admission, agents });
  await reaper.reapOnce();
  reaper.start();
  // Worktrees of ended jobs and of crashed workers: removed now and every minute.
  const worktreeCleanup = startWorktreeCleanup({ home: options.home, redis, keys, log: options.log });
  // Finished jobs beyond the retention policy: pruned now and every interval (one worker a turn).
  const retention = new RetentionLoop({ redis, keys, client, workerId: options.workerId, policy: options.retention, intervalMs: options.retentionIntervalMs, failures, log: options.log });
  retention.start();
  const sampler = new Sampler({ redis, keys, running, cookies, intervalMs: options.sampleIntervalMs, maxSamples: options.maxSamplesPerJob, failures });
  sampler.start();
  // Set once BullMQ's workers exist (the queue's, then the host queue's); gate() pauses and resumes them.
  let bulls: Array<Worker<JobData>> = [];
  let closing: Promise<void> | undefined;
  // The BullMQ workers fetch only while this worker is healthy and has a free slot (a local pause,
  // in order, one change at a time). A job a fetch already under way brings in while the slots are
  // full is handed back by the processor (slots.take), so the pause is for economy, not the bound.
  let gating: Promise<void> = Promise.resolve();
  const gate = (wake = false): void => {
    gating = gating
      .then(async () => {
        const stop = heartbeat.failing || slots.full || closing !== undefined;
        for (const bull of bulls) {
          if (stop) {
            // pause(true): running jobs go on; only new ones are not taken.
            if (!bull.isPaused()) await bull.pause(true);
            continue;
          }
          // BullMQ's loop, full by its own concurrency, waits for a running job to end before it
          // fetches again; pause(true) then resume() (public API: resume wakes the loop) fetches now.
          if (wake && !bull.isPaused()) await bull.pause(true);
          // resume() reports its own errors as 'error' events (logged below).
          if (bull.isPaused()) await bull.resume();
        }
      })
      .catch((error: unknown) => failures.failed(`pausing or resuming BullMQ workers of ${options.workerId}`, error));
  };
  const slots = new SlotPool(options.concurrency, () => gate());
  // kingly concurrency N: BullMQ's Worker takes a new concurrency while it runs (a message that
  // comes before the Worker, and so the heartbeat, exist is dropped: it starts with its own).
  const stopControl = await listenForControl(redis, keys, options.workerId, running, (concurrency) => {
    if (bulls.length === 0) return;
    const raised = concurrency > bulls[0]!.concurrency;
    heartbeat.setConcurrency(concurrency);
    for (const bull of bulls) bull.concurrency = concurrency;
    slots.setLimit(concurrency);
    if (raised) gate(true);
    options.log(`kingly worker ${options.workerId}: concurrency ${concurrency}`);
  });
  const heartbeat = new Heartbeat({
    redis,
    keys,
    beat: { id: options.workerId, host: options.host, pid: process.pid, queue: options.queue, concurrency: options.concurrency, startedAt: Date.now(), intervalMs: options.heartbeatMs },
    ttlMs: options.heartbeatTtlMs,
    runningCount: () => running.size,
    heldJobs: () => [...held],
    failures,
    // Soon a sibling worker on this host may take this one for dead and kill its jobs: take no more.
    onFailing: (lastBeatAt) => {
      options.log(`kingly worker: heartbeat of worker ${options.workerId} failing since ${new Date(lastBeatAt).toISOString()}; not taking jobs`);
      gate();
    },
    // The key has surely expired: any other worker now ends this one's jobs worker-lost. Their
    // processes must not go on unrecorded (a partition), so this worker ends them itself (fencing).
    onExpired: (lastBeatAt) => {
      const silentS = Math.round((Date.now() - lastBeatAt) / 1000);
      const reason = `worker ${options.workerId} on ${options.host} could not reach Redis for ${silentS}s (heartbeat expired); its jobs were ended`;
      options.log(`kingly worker: ${reason} (${running.size} job(s))`);
      for (const job of running.values()) {
        job.stop({ state: 'worker-lost', reason }, { graceMs: 2000 }).catch((error: unknown) => failures.failed(`fencing kill of job ${job.id}`, error));
      }
    },
    onRecovered: () => {
      options.log(`kingly worker: heartbeat of worker ${options.workerId} written again; taking jobs`);
      gate();
    },
  });
  await heartbeat.start();

  // One concurrency over both BullMQ workers: a job fetched while every slot is taken (a fetch under
  // way as the other worker filled the last slot) goes back to the head of its queue's line, free for
  // any worker; the workers are paused by then (gate), so it is not fetched again here until a slot frees.
  const processor: Processor<JobData> = async (job, token) => {
    if (!slots.take()) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    try {
      return await runTaken(job, token);
    } finally {
      slots.give();
    }
  };
  const runTaken: Processor<JobData> = async (job, token) => {
    // A job fetched just as the worker paused (a blocked fetch returns after pause()): hand it back.
    if (heartbeat.failing) {
      await job.moveToDelayed(Date.now() + UNHEALTHY_RETRY_MS, token);
      throw new DelayedError();
    }
    // --after: put back until the jobs it runs after succeeded; cancelled when one did not.
    const after = afterIds(job.data);
    if (after) {
      const verdict = await checkAfter(client, after);
      if (verdict.kind === 'wait') {
        await job.moveToDelayed(Date.now() + AFTER_RETRY_MS, token);
        throw new DelayedError();
      }
      if (verdict.kind === 'cancel') {
        await cancelUnstarted(redis, keys, client, job.id!, verdict.reason);
        throw new UnrecoverableError(verdict.reason);
      }
    }
    // Plain BullMQ data may be anything; runJob refuses what is not a spec (spawn-failed).
    const { group, groupConcurrency } = (job.data ?? {}) as Partial<JobData>;
    const capped = typeof group === 'string' && group !== '' && typeof groupConcurrency === 'number' && Number.isInteger(groupConcurrency) && groupConcurrency >= 1;
    // The group is at its cap: the job waits in the group's line, parked without a worker slot.
    if (capped && !(await admission.enter(job, token, group, groupConcurrency))) throw new DelayedError();
    // Agent jobs: at most agent.maxConcurrent run at once over all workers (agents.maxConcurrent).
    const agentLimit = agentCap(job.data);
    // Over the cap, it waits in the agents' line (parked as above) and gives its group slot back.
    if (agentLimit !== undefined && !(await agents.enter(job, token, agentLimit))) {
      if (capped) await admission.leave(group, job.id!, groupConcurrency);
      throw new DelayedError();
    }
    let result;
    try {
      result = await runJob(ctx, job);
    } finally {
      if (capped) await admission.leave(group, job.id!, groupConcurrency);
      if (agentLimit !== undefined) await agents.leave(job.id!, agentLimit);
    }
    // Plain BullMQ listeners read the outcome from these two (parseOutcome, docs/protocol.md).
    const report = outcomeReport(result.record, result.retry);
    if (report.state === 'succeeded') return report;
    const message = outcomeFailedReason(report);
    // Exhausted or not retryable: BullMQ must not try again on its own.
    throw result.retry ? new Error(message) : new UnrecoverableError(message);
  };
  const bullOptions: BullWorkerOptions = {
    connection: bullRedis,
    prefix: options.prefix,
    concurrency: options.concurrency,
    // A stalled job's worker is gone; it must end as worker-lost, never silently run again.
    maxStalledCount: 0,
    // A dead worker's jobs show as stalled within ~1.5 lock durations (lock expiry + check).
    lockDuration: options.lockDurationMs,
    stalledInterval: Math.max(1000, Math.round(options.lockDurationMs / 2)),
    // BullMQ's pause stops a worker's stalled checks too; the taking workers pause whenever the
    // slots are full, so the checks run in a worker of their own per queue that never pauses.
    skipStalledCheck: true,
    autorun: true,
  };
  // Two BullMQ workers: the queue's, and the host queue's (jobs that must run on this host, such as
  // a run in a kept worktree made here); together they run at most the concurrency (slots).
  const queueNames = [options.queue, ...(hostQueue ? [hostQueue] : [])];
  // Its queue paused (kingly pause) before this host queue was known: it waits too.
  if (hostQueue) await followPause(client, options.queue, hostQueue);
  const watch = <W extends Worker>(bull: W, name: string): W =>
    // Connection errors (retried by ioredis), failed lock renewals ("could not renew lock for job …"),
    // stalled checks: BullMQ goes on after each, but a worker that keeps failing must say so.
    bull.on('error', (error) => failures.failed(`BullMQ worker ${options.workerId} (queue '${name}')`, error));
  bulls = queueNames.map((name) => watch(new Worker<JobData>(name, processor, bullOptions), name));
  const checkers = queueNames.map((name) => watch(new Worker(name, undefined, { ...bullOptions, skipStalledCheck: false, autorun: false }), name));
  await Promise.all([...bulls, ...checkers].map((bull) => bull.waitUntilReady()));
  await Promise.all(checkers.map((checker) => checker.startStalledCheckTimer()));
  gate();

  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const graceTimer = setTimeout(() => {
        for (const job of running.values()) {
          job
            .stop({ state: 'cancelled', signal: 'SIGTERM', reason: 'the worker shut down' }, { graceMs: 2000 })
            .catch((error: unknown) => failures.failed(`shutdown kill of job ${job.id}`, error));
        }
      }, options.shutdownGraceMs);
      try {
        await Promise.all([...bulls, ...checkers].map((bull) => bull.close()));
      } finally {
        clearTimeout(graceTimer);
      }
      sampler.stop();
      await Promise.all([stopControl(), reaper.stop()]);
      await worktreeCleanup.stop();
      await retention.stop();
      // Shutting down: a failure is logged and the rest still closes (the key expires on its own).
      await heartbeat.stop().catch((error: unknown) => failures.failed(`removing the heartbeat of worker ${options.workerId}`, error));
      await client.close();
      await Promise.all(
        [redis.quit(), logsRedis.quit(), bullRedis.quit()].map((p) =>
          p.catch(() => {
            /* the connection is already closed: nothing is left to say goodbye to */
          }),
        ),
      );
    })());

  return { id: options.workerId, options, hostQueue, running, close };
}

/** The host's queue this worker also takes from (hostQueueName); none when it serves a host queue already or its host cannot name one. */
function hostQueueOf(options: ResolvedWorkerOptions): string | undefined {
  if (queueHost(options.queue) !== undefined) return undefined;
  try {
    return hostQueueName(options.queue, options.host);
  } catch (error) {
    options.log(`kingly worker ${options.workerId}: no host queue: ${(error as Error).message} (set KINGLY_HOST or --host-id)`);
    return undefined;
  }
}

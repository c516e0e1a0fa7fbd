import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  describeRetryWait, describeSpecIssue, formatDuration, jobSpecSchema, recordFromData, recordIdFor, retryConflict, retryPolicyOf, safeText,
  type JobData, type JobRecord, type KinglyClient, type KinglyKeys, type Outcome,
} from '@kingly/cmd';
import type { CookieCache } from './job-processes.js';
import { LogPublisher } from './log-publisher.js';
import { allocatePort, releasePort } from './ports.js';
import { restartDelay, HEALTHY_RUN_MS } from './restart-policy.js';
import { startProcess } from './run-process.js';
import { RunningJob } from './running-job.js';
import { AgentTap } from './agent/agent-tap.js';
import { SpawnError } from './spawn.js';
import { needsWorkspace, prepareWorkspace } from './workspace.js';
import { applyOutcome, recordFinished, recordPreparing, recordRestarted, recordRetrying, recordStarted } from './job-records.js';
import type { ResolvedWorkerOptions } from './worker-options.js';

/** What every job run on a worker shares. */
export interface RunContext {
  readonly options: ResolvedWorkerOptions;
  readonly keys: KinglyKeys;
  /** Records and events. */
  readonly redis: Redis;
  /** Log batches, apart so big outputs never delay record writes. */
  readonly logsRedis: Redis;
  readonly running: Map<string, RunningJob>;
  /**
   * Ids of the jobs this worker holds, from before their taken record until their terminal write is
   * done: published in the heartbeat, so the reaper can tell a record a lost write left `running`.
   */
  readonly held: Set<string>;
  /** Which process belongs to which job, shared by the sampler and kill paths. */
  readonly cookies: CookieCache;
  /** For acting on other jobs (fail-fast cancels the rest of a group). */
  readonly client: KinglyClient;
}

/** What the processor hands back to BullMQ. */
export interface RunResult {
  readonly record: JobRecord;
  /** The job should be tried again (attempts remain and the outcome allows it). */
  readonly retry: boolean;
}

const RETRYABLE = new Set<Outcome['state']>(['failed', 'timed-out', 'memory-limit', 'worker-lost']);

/** Runs one job from start to its recorded outcome. Never throws for the command's own failures. */
export async function runJob(ctx: RunContext, job: Job<JobData>): Promise<RunResult> {
  // A plain BullMQ job's id is unique only on its queue: its record may be keyed `<queue>:<id>`.
  const id = await recordIdFor(ctx.redis, ctx.keys, job.queueName, job.id!);
  ctx.held.add(id);
  try {
    return await runHeld(ctx, job, id);
  } finally {
    ctx.held.delete(id);
  }
}

/** Runs a job this worker holds, from its taken record to its terminal write. */
async function runHeld(ctx: RunContext, job: Job<JobData>, id: string): Promise<RunResult> {
  const attempt = job.attemptsMade + 1;
  const publisher = new LogPublisher(ctx.logsRedis, ctx.keys.logs(id), ctx.keys.stats, { maxLines: ctx.options.maxLogLines, maxBytes: ctx.options.maxLogBytes });
  // Plain BullMQ data may be anything: a spec the schema refuses still gets a record, built from
  // text made safe to store and print, and ends spawn-failed naming the field.
  const { createdAt, ...spec } = (typeof job.data === 'object' && job.data !== null ? job.data : {}) as Partial<JobData>;
  const parsed = jobSpecSchema.safeParse(spec);
  // BullMQ's options are the job's retry policy; a spec that says otherwise is refused (retry-policy.ts).
  const policy = retryPolicyOf(job.opts);
  const conflict = parsed.success ? retryConflict(parsed.data, job.opts) : undefined;
  const data: JobData = {
    ...(parsed.success ? parsed.data : { command: safeText(spec.command ?? '?', INVALID_SPEC_TEXT_CHARS) }),
    createdAt: typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt : job.timestamp,
  };
  const base: JobRecord = {
    ...recordFromData(id, job.queueName, data, 'running'),
    attempts: policy.attempts,
    host: ctx.options.host,
    workerId: ctx.options.workerId,
    attempt,
    startedAt: new Date().toISOString(),
    // The agent's state is written by its reader while it runs, then by the finish: not by the started record.
    agent: null,
  };
  if (attempt > 1) publisher.push('system', `[kingly] attempt ${attempt} of ${base.attempts}`);

  let outcome: Outcome;
  let record = base;
  let agentTap: AgentTap | undefined;
  if (!parsed.success) {
    outcome = { state: 'spawn-failed', reason: `invalid job spec: ${parsed.error.issues[0] ? describeSpecIssue(parsed.error.issues[0]) : 'unknown'}` };
  } else if (conflict) {
    outcome = { state: 'spawn-failed', reason: `invalid job spec: ${conflict.field}: ${conflict.message}` };
  } else {
    const running = new RunningJob({ id, job, limits: data.limits ?? {}, log: (line) => publisher.push('system', line) });
    // An agent job's stdout is also read into its state; over its budget, it is stopped.
    agentTap = data.agent ? startAgentTap(ctx, id, data.agent, running, publisher) : undefined;
    ctx.running.set(id, running);
    const timeoutMs = data.limits?.timeoutMs;
    const timeout =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const reason = `timed out: ran ${formatDuration(Date.now() - running.startedAt)}, the limit is ${formatDuration(timeoutMs)} (${timeoutMs} ms)`;
            void running.stop({ state: 'timed-out', signal: 'SIGTERM', reason });
          }, timeoutMs);
    let port: number | undefined;
    try {
      const preparing = recordPreparing(ctx.redis, ctx.keys, data, base).then((cancelSignal) => {
        if (cancelSignal) void running.stop({ state: 'cancelled', signal: cancelSignal, reason: 'cancelled by request' }, { signal: cancelSignal as NodeJS.Signals });
      });
      // A worktree or a port takes a while and can be cancelled meanwhile: wait for the record to
      // say the job is taken. A plain command only needs the write sent before its spawn (one
      // connection keeps the order, so the started record lands after it); it is awaited with that.
      if (needsWorkspace(data) || data.portRange) await preparing;
      else
        preparing.catch(() => {
          /* awaited with the started record (runProcesses), which reports the error; this only keeps it from being unhandled until then */
        });
      const workspace = await prepareWorkspace(id, data, (line) => publisher.push('system', line), {
        home: ctx.options.home,
        // A cancel or limit that came while a setup process was being started reaches it too.
        onProcess: (pid) => running.attach(pid),
      });
      try {
        const env: Record<string, string> = {};
        if (data.portRange) {
          port = await allocatePort(ctx.redis, ctx.keys, ctx.options.host, id, data.portRange);
          env.PORT = String(port);
          publisher.push('system', `[kingly] PORT=${port}`);
        }
        ({ outcome, record } = await runProcesses(ctx, running, data, workspace.cwd, env, publisher, { ...base, cwd: workspace.cwd, ...workspace.fields, port: port ?? null }, preparing));
      } finally {
        await workspace.release();
      }
    } catch (error) {
      // Whatever went wrong, the job gets a record and an outcome; a bug of ours says so.
      const reason = error instanceof SpawnError ? error.message : `kingly worker error: ${(error as Error)?.stack ?? String(error)}`;
      if (!(error instanceof SpawnError)) ctx.options.log(`kingly worker: job ${id}: ${reason}`);
      // A setup killed by a cancel or a limit ends as that, not as a failure to start.
      outcome = running.stopOutcome ? { ...running.stopOutcome } : { state: 'spawn-failed', reason };
    } finally {
      clearTimeout(timeout);
      ctx.running.delete(id);
      if (port !== undefined) await releasePort(ctx.redis, ctx.keys, ctx.options.host, port, id);
    }
  }
  if (outcome.state === 'spawn-failed') publisher.push('system', `[kingly] could not start: ${outcome.reason}`);
  // The agent's last state rides on the finish transition (and its finished event).
  if (data.agent) record = { ...record, agent: recordFromData(id, job.queueName, data, 'running').agent };
  if (agentTap) {
    await agentTap.close();
    record = { ...record, agent: agentTap.state };
    if (agentTap.unparsed > 0) publisher.push('system', `[kingly] ${agentTap.unparsed} line(s) of the agent's output were not JSON (left in the log as they are)`);
  }
  const final = applyOutcome(record, outcome, Date.now());
  const retry = RETRYABLE.has(outcome.state) && attempt < final.attempts;
  // Nothing before the terminal write may keep it from happening: a step that fails is logged and
  // the job still ends.
  const step = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      ctx.options.log(`kingly worker: job ${id}: ${what} failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  };
  if (!retry && data.failFast && data.group && outcome.state !== 'succeeded' && outcome.state !== 'cancelled') {
    const group = data.group;
    await step('fail-fast cancel of its group', () => cancelRestOfGroup(ctx, id, group, publisher));
  }
  // The notice written when a cap was passed is trimmed away with the old lines: say it again last.
  const retrying = retry ? `attempt ${attempt} of ${final.attempts} ${describe(outcome)}; retrying ${describeRetryWait(policy, attempt)}` : undefined;
  if (retrying) publisher.push('system', `[kingly] ${retrying}`);
  const truncated = publisher.truncationSummary;
  if (truncated) publisher.push('system', truncated);
  await step('writing its last log lines', () => publisher.flush());
  if (retrying) await recordRetrying(ctx.redis, ctx.keys, final, retrying);
  else await recordFinished(ctx.redis, ctx.keys, final, (line) => ctx.options.log(`kingly worker: job ${id}: ${line}`), ctx.options.retention.maxAgeMs);
  return { record: final, retry };
}

/** Reads an agent job's output into its state (record) and stops the job once it passes its budget. */
function startAgentTap(ctx: RunContext, id: string, spec: NonNullable<JobData['agent']>, running: RunningJob, publisher: LogPublisher): AgentTap {
  const tap = new AgentTap({
    id,
    spec,
    redis: ctx.redis,
    keys: ctx.keys,
    onOverBudget: (reason) => void running.stop({ state: 'cancelled', signal: 'SIGTERM', reason }),
    log: (line) => publisher.push('system', line),
  });
  running.onStdout = (chunk) => tap.push(chunk);
  return tap;
}

/** Longest command kept on the record of a spec the schema refused, in characters. */
const INVALID_SPEC_TEXT_CHARS = 1000;

/** Starts the command, and again while its restart policy says so. */
async function runProcesses(
  ctx: RunContext,
  running: RunningJob,
  data: JobData,
  cwd: string,
  env: Record<string, string>,
  publisher: LogPublisher,
  initial: JobRecord,
  /** The taken record's write (recordPreparing), awaited before the started one is. */
  preparing: Promise<void>,
): Promise<{ outcome: Outcome; record: JobRecord }> {
  let record = initial;
  let restarts = 0;
  let quickCrashes = 0;
  for (;;) {
    // Stopped before (re)starting: while the workspace was prepared, or during a restart wait.
    if (running.stopOutcome) return { outcome: { ...running.stopOutcome }, record: { ...record, restarts } };
    const startedAt = Date.now();
    const run = await startProcess(running, data, cwd, env, publisher, ctx.cookies);
    if (restarts === 0) {
      record = { ...record, pid: run.pid, pgid: run.pid, startedAt: new Date(startedAt).toISOString() };
      const [, cancelSignal] = await Promise.all([preparing, recordStarted(ctx.redis, ctx.keys, record, run.procStartTime)]);
      // A cancel that came while the job was being taken: honour it now.
      if (cancelSignal) void running.stop({ state: 'cancelled', signal: cancelSignal, reason: 'cancelled by request' }, { signal: cancelSignal as NodeJS.Signals });
    } else {
      record = { ...record, pid: run.pid, pgid: run.pid, restarts, restartedAt: new Date().toISOString() };
      await recordRestarted(ctx.redis, ctx.keys, record, run.procStartTime);
    }
    const outcome = await run.finished;
    record = { ...record, peakRssBytes: running.peakRssBytes, cpuSeconds: running.cpuSeconds === null ? null : Math.round(running.cpuSeconds * 100) / 100 };
    quickCrashes = Date.now() - startedAt >= HEALTHY_RUN_MS ? 0 : quickCrashes + 1;
    const delay = running.stopOutcome ? undefined : restartDelay(data.restart, outcome, restarts, quickCrashes - 1);
    if (delay === undefined) return { outcome, record };
    restarts += 1;
    publisher.push('system', `[kingly] ${describe(outcome)}; restarting in ${formatDuration(delay)} (restart ${restarts} of at most ${data.restart?.maxRestarts ?? 10})`);
    await running.sleep(delay);
  }
}

/** fail-fast: the first failure of the group cancels the others (queued ones are removed). */
async function cancelRestOfGroup(ctx: RunContext, id: string, group: string, publisher: LogPublisher): Promise<void> {
  const others = (await ctx.client.listJobs({ group, limit: 10_000 })).filter((r) => r.id !== id && (r.state === 'queued' || r.state === 'running'));
  if (others.length === 0) return;
  publisher.push('system', `[kingly] fail-fast: cancelling ${others.length} other job(s) of group ${group}`);
  await Promise.all(
    others.map((r) =>
      ctx.client
        .cancel(r.id, { wait: false, graceMs: 2000 })
        .catch((error: unknown) => publisher.push('system', `[kingly] fail-fast: could not cancel ${r.id}: ${(error as Error)?.message ?? String(error)}`)),
    ),
  );
}

function describe(outcome: Outcome): string {
  if (outcome.state === 'failed') return `exited with code ${outcome.exitCode}`;
  if (outcome.state === 'succeeded') return 'exited with code 0';
  return `ended ${outcome.state}`;
}

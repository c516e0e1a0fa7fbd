import type { Readable } from 'node:stream';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  jobSpecSchema, recordFromData, signalNumber,
  type JobData, type JobRecord, type KinglyKeys, type LogStream, type Outcome,
} from '@kingly/cmd';
import { LineSplitter } from './line-splitter.js';
import { LogPublisher } from './log-publisher.js';
import { killJobProcesses } from './kill.js';
import { snapshotJob, type CookieCache } from './job-processes.js';
import { readProc } from './proc-table.js';
import { CANCEL_FIELD, formatDuration } from '@kingly/cmd';
import { RunningJob } from './running-job.js';
import { spawnCommand, SpawnError, type SpawnedProcess } from './spawn.js';
import { prepareWorkspace } from './workspace.js';
import { applyOutcome, recordFinished, recordRetrying, recordStarted } from './job-records.js';
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
  /** Which process belongs to which job, shared by the sampler and kill paths. */
  readonly cookies: CookieCache;
}

/** What the processor hands back to BullMQ. */
export interface RunResult {
  readonly record: JobRecord;
  /** The job should be tried again (attempts remain and the outcome allows it). */
  readonly retry: boolean;
}

const RETRYABLE = new Set<Outcome['state']>(['failed', 'timed-out', 'memory-limit', 'worker-lost']);
/** How long leftover processes of a finished leader get between SIGTERM and SIGKILL. */
const LEFTOVER_GRACE_MS = 2000;
/** How long to wait for output pipes to close once the group is gone. */
const PIPE_CLOSE_MS = 2000;

/** Runs one job from start to its recorded outcome. Never throws for the command's own failures. */
export async function runJob(ctx: RunContext, job: Job<JobData>): Promise<RunResult> {
  const id = job.id!;
  const attempt = job.attemptsMade + 1;
  const publisher = new LogPublisher(ctx.logsRedis, ctx.keys.logs(id), { maxLines: ctx.options.maxLogLines });
  const { createdAt, ...spec } = job.data;
  const parsed = jobSpecSchema.safeParse(spec);
  const data: JobData = { ...(parsed.success ? parsed.data : { command: String(spec.command ?? '?') }), createdAt: createdAt ?? job.timestamp };
  const base: JobRecord = {
    ...recordFromData(id, job.queueName, data, 'running'),
    host: ctx.options.host,
    workerId: ctx.options.workerId,
    attempt,
    startedAt: new Date().toISOString(),
  };
  if (attempt > 1) publisher.push('system', `[kingly] attempt ${attempt} of ${base.attempts}`);

  let outcome: Outcome;
  let record = base;
  if (!parsed.success) {
    outcome = { state: 'spawn-failed', reason: `invalid job spec: ${parsed.error.issues[0]?.message ?? 'unknown'}` };
  } else {
    try {
      const workspace = await prepareWorkspace(id, data, (line) => publisher.push('system', line));
      try {
        const run = await startProcess(ctx, job, data, workspace.cwd, publisher);
        record = { ...base, cwd: workspace.cwd, pid: run.pid, pgid: run.pid, startedAt: new Date(run.running.startedAt).toISOString() };
        const cancelSignal = await recordStarted(ctx.redis, ctx.keys, data, record, run.procStartTime);
        // A cancel that came while the job was being taken: honour it now.
        if (cancelSignal) void run.running.stop({ state: 'cancelled', signal: cancelSignal, reason: 'cancelled by request' }, { signal: cancelSignal as NodeJS.Signals });
        outcome = await run.finished;
        record = { ...record, peakRssBytes: run.running.peakRssBytes, cpuSeconds: run.running.cpuSeconds === null ? null : Math.round(run.running.cpuSeconds * 100) / 100 };
      } finally {
        await workspace.release();
      }
    } catch (error) {
      if (!(error instanceof SpawnError)) throw error;
      outcome = { state: 'spawn-failed', reason: error.message };
    }
  }
  if (outcome.state === 'spawn-failed') publisher.push('system', `[kingly] could not start: ${outcome.reason}`);
  await publisher.flush();

  const final = applyOutcome(record, outcome, Date.now());
  const retry = RETRYABLE.has(outcome.state) && attempt < final.attempts;
  if (retry) await recordRetrying(ctx.redis, ctx.keys, final, describe(outcome));
  else await recordFinished(ctx.redis, ctx.keys, final);
  return { record: final, retry };
}

interface StartedRun {
  readonly pid: number;
  /** The leader's start time in clock ticks since boot, so a reaper never kills a reused pid. */
  readonly procStartTime: number | null;
  readonly running: RunningJob;
  readonly finished: Promise<Outcome>;
}

/** Spawns, wires output to the log, and returns once the process exists (or SpawnError). */
async function startProcess(ctx: RunContext, job: Job<JobData>, data: JobData, cwd: string, publisher: LogPublisher): Promise<StartedRun> {
  const id = job.id!;
  const child = spawnCommand(id, data, cwd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', (error) => reject(new SpawnError(error.message)));
  });
  const limits = data.limits ?? {};
  const running = new RunningJob({ id, pgid: pid, startedAt: Date.now(), job, limits, log: (line) => publisher.push('system', line) });
  ctx.running.set(id, running);
  const timeout =
    limits.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          const reason = `timed out: ran ${formatDuration(Date.now() - running.startedAt)}, the limit is ${formatDuration(limits.timeoutMs!)} (${limits.timeoutMs} ms)`;
          void running.stop({ state: 'timed-out', signal: 'SIGTERM', reason });
        }, limits.timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const streamsClosed = pipeOutput(child, publisher);
  const finished = (async (): Promise<Outcome> => {
    try {
      const exit = await exited;
      clearTimeout(timeout);
      await running.stopped;
      // The leader is gone; anything left in its group would be orphaned, so it goes too.
      if (!running.stopOutcome && (await snapshotJob(id, pid, ctx.cookies)).length > 0) {
        publisher.push('system', '[kingly] the command exited; stopping processes it left running');
        await killJobProcesses(id, pid, { graceMs: LEFTOVER_GRACE_MS });
      }
      await Promise.race([streamsClosed, new Promise((resolve) => setTimeout(resolve, PIPE_CLOSE_MS))]);
      child.stdout?.destroy();
      child.stderr?.destroy();
      await child.catch(() => {});
      return outcomeOf(exit, running);
    } finally {
      ctx.running.delete(id);
    }
  })();
  const procStartTime = (await readProc(pid))?.startTime ?? null;
  return { pid, procStartTime, running, finished };
}

/** Output → line splitters → publisher, pausing the pipes while Redis is behind. */
function pipeOutput(child: SpawnedProcess, publisher: LogPublisher): Promise<void> {
  const streams: Array<[Readable | null, LogStream]> = [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ];
  const closed = streams.map(([stream, name]) => {
    if (!stream) return Promise.resolve();
    const splitter = new LineSplitter((line) => publisher.push(name, line));
    stream.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (publisher.backlogged) {
        stream.pause();
        void publisher.drained().then(() => stream.resume());
      }
    });
    return new Promise<void>((resolve) => {
      stream.once('close', () => {
        splitter.flush();
        resolve();
      });
      stream.once('error', () => resolve());
    });
  });
  return Promise.all(closed).then(() => undefined);
}

function outcomeOf(exit: { code: number | null; signal: NodeJS.Signals | null }, running: RunningJob): Outcome {
  const stopped = running.stopOutcome;
  if (stopped) return { ...stopped, signal: exit.signal ?? stopped.signal };
  if (exit.code === 0) return { state: 'succeeded', exitCode: 0 };
  if (exit.code !== null) return { state: 'failed', exitCode: exit.code };
  const n = exit.signal ? signalNumber(exit.signal) : undefined;
  return { state: 'failed', exitCode: 128 + (n ?? 0), signal: exit.signal };
}

function describe(outcome: Outcome): string {
  if (outcome.state === 'failed') return `with exit code ${outcome.exitCode}`;
  return `as ${outcome.state}`;
}

import type { Readable } from 'node:stream';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  jobSpecSchema, recordFromData, signalNumber,
  type JobData, type JobRecord, type KinglyKeys, type LogStream, type Outcome,
} from '@kingly/cmd';
import { LineSplitter } from './line-splitter.js';
import { LogPublisher } from './log-publisher.js';
import { groupAlive, killGroup } from './kill.js';
import { RunningJob } from './running-job.js';
import { checkCwd, spawnCommand, SpawnError, type SpawnedProcess } from './spawn.js';
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
      const cwd = data.cwd ?? process.cwd();
      await checkCwd(cwd);
      const run = await startProcess(ctx, id, data, cwd, publisher);
      record = { ...base, pid: run.pid, pgid: run.pid, startedAt: new Date(run.running.startedAt).toISOString() };
      await recordStarted(ctx.redis, ctx.keys, data, record);
      outcome = await run.finished;
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
  readonly running: RunningJob;
  readonly finished: Promise<Outcome>;
}

/** Spawns, wires output to the log, and returns once the process exists (or SpawnError). */
async function startProcess(ctx: RunContext, id: string, data: JobData, cwd: string, publisher: LogPublisher): Promise<StartedRun> {
  const child = spawnCommand(id, data, cwd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    child.once('error', (error) => reject(new SpawnError(error.message)));
  });
  const running = new RunningJob(id, pid, Date.now());
  ctx.running.set(id, running);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const streamsClosed = pipeOutput(child, publisher);
  const finished = (async (): Promise<Outcome> => {
    try {
      const exit = await exited;
      // The leader is gone; anything left in its group would be orphaned, so it goes too.
      if (groupAlive(pid) && !running.stopOutcome) {
        publisher.push('system', '[kingly] the command exited; stopping processes it left running');
        await killGroup(pid, { graceMs: LEFTOVER_GRACE_MS });
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
  return { pid, running, finished };
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

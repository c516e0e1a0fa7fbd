import type { Readable } from 'node:stream';
import { signalNumber, type JobData, type LogStream, type Outcome } from '@kingly/cmd';
import { killJobProcesses } from './kill.js';
import { leftoverProcesses, type CookieCache } from './job-processes.js';
import { LineSplitter } from './line-splitter.js';
import type { LogPublisher } from './log-publisher.js';
import { readProc } from './proc-table.js';
import type { RunningJob } from './running-job.js';
import { checkCwd, isRunningSpawn, spawnCommand, SpawnError, type SpawnedProcess } from './spawn.js';

/** How long leftover processes of a finished leader get between SIGTERM and SIGKILL. */
const LEFTOVER_GRACE_MS = 2000;
/** How long to wait for output pipes to close once the processes are gone. */
const PIPE_CLOSE_MS = 2000;

export interface ProcessRun {
  readonly pid: number;
  /** The leader's start time in clock ticks since boot, so a reaper never kills a reused pid. */
  readonly procStartTime: number | null;
  /** Resolves once the leader exited, its leftovers are gone and its output is in the log. */
  readonly finished: Promise<Outcome>;
}

/** Starts one process of the job, wires its output to the log, and returns once it exists (or SpawnError). */
export async function startProcess(
  running: RunningJob,
  data: JobData,
  cwd: string,
  env: Record<string, string>,
  publisher: LogPublisher,
  cookies: CookieCache,
): Promise<ProcessRun> {
  const spawnedAt = Date.now();
  const child = spawnCommand(running.id, data, cwd, env);
  // The pid is known as spawn() returns: attached in the same turn, so no stop can come between
  // (a stop that found no group would signal the processes one by one, then the group again).
  if (child.pid !== undefined) running.attach(child.pid);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!));
    // Node says "spawn /bin/sh ENOENT" for a missing cwd too: name the cwd when it is the cause.
    child.once('error', (error) => {
      checkCwd(cwd).then(() => reject(new SpawnError(error.message)), reject);
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const streamsClosed = pipeOutput(child, publisher, running.onStdout);
  const finished = (async (): Promise<Outcome> => {
    const exit = await exited;
    await running.stopped;
    // The leader is gone; anything it left (in its group, or escaped with the job's cookie) would be orphaned.
    // Processes this worker started and that still run are other jobs' leaders: not ours to read.
    if (!running.stopOutcome && (await leftoverProcesses(running.id, pid, Date.now() - spawnedAt, cookies, isRunningSpawn)).length > 0) {
      publisher.push('system', '[kingly] the command exited; stopping processes it left running');
      await killJobProcesses(running.id, pid, { graceMs: LEFTOVER_GRACE_MS });
    }
    await Promise.race([streamsClosed, new Promise((resolve) => setTimeout(resolve, PIPE_CLOSE_MS))]);
    child.stdout.destroy();
    child.stderr.destroy();
    running.pgid = null;
    return outcomeOf(exit, running);
  })();
  const procStartTime = (await readProc(pid))?.startTime ?? null;
  return { pid, procStartTime, finished };
}

/** Output → line splitters → publisher, pausing the pipes while Redis is behind. */
function pipeOutput(child: SpawnedProcess, publisher: LogPublisher, onStdout?: (chunk: Buffer) => void): Promise<void> {
  const streams: Array<[Readable | null, LogStream]> = [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ];
  const closed = streams.map(([stream, name]) => {
    if (!stream) return Promise.resolve();
    const splitter = new LineSplitter((line) => publisher.push(name, line));
    const tap = name === 'stdout' ? onStdout : undefined;
    stream.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      tap?.(chunk);
      if (publisher.backlogged) {
        stream.pause();
        void publisher.drained().then(() => stream.resume()); // drained() only resolves
      }
    });
    return new Promise<void>((resolve) => {
      // A pipe that closed already has nothing left to wait for.
      if (stream.closed) return resolve();
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
  // A fenced job (its worker's heartbeat expired) is worker-lost whatever signal ended it.
  if (stopped) return stopped.state === 'worker-lost' ? { ...stopped } : { ...stopped, signal: exit.signal ?? stopped.signal };
  if (exit.code === 0) return { state: 'succeeded', exitCode: 0 };
  if (exit.code !== null) return { state: 'failed', exitCode: exit.code };
  const n = exit.signal ? signalNumber(exit.signal) : undefined;
  return { state: 'failed', exitCode: 128 + (n ?? 0), signal: exit.signal };
}

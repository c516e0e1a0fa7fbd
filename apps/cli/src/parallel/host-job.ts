import type { JobRecord } from '@kingly/cmd';
import { ExitRequest } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { interruptSignal } from '../interrupt.js';
import { write } from '../output/write.js';
import type { SetContext } from './context.js';

/** One git script to run where a stream's worktree is (see host-scripts.ts). */
export interface HostJob {
  /** The run that made the stream's worktree: its host and queue say where the script runs. */
  readonly home: JobRecord;
  /** The job's name, e.g. `parallel sync demo/1`. */
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  /** A directory on that host: the worktree, or the directory of the kept worktrees. */
  readonly cwd: string;
}

/** What one script did. */
export interface HostJobResult {
  readonly job: JobRecord;
  /** Its `@kingly <tag> <value>` lines, in order. */
  readonly said: ReadonlyArray<readonly [string, string]>;
  /** Why it failed, when it did not succeed: its state and the last line it wrote on stderr. */
  readonly failure?: string;
}

/**
 * Queues each script as a job on the host queue of its stream's host (the only machine with that
 * worktree), says on stderr when no worker of a host is up (the job waits for one), and waits for
 * them all. An interrupted CLI leaves them queued; they run when a worker of the host takes them.
 */
export async function runHostJobs(ctx: SetContext, jobs: readonly HostJob[]): Promise<HostJobResult[]> {
  const { warnWhenNoWorker } = await import('../follow-run.js');
  const ids: string[] = [];
  for (const job of jobs) ids.push(await enqueueHostJob(ctx, job));
  for (const queue of new Set(await Promise.all(jobs.map(hostJobQueue)))) await warnWhenNoWorker(ctx.client, queue, (text) => write(process.stderr, `kingly: ${text}\n`));
  const records = await ctx.client.waitForJobs(ids);
  return Promise.all(records.map((job) => readResult(ctx, job)));
}

/**
 * Like runHostJobs, for answers that are worth only a short wait: a job whose host has no worker up
 * is not queued, and one not done within `timeoutMs` is cancelled (removed while still queued).
 * Such a job's place holds why it has no result. Ctrl-C takes the jobs back too, then exits 130.
 */
export async function runHostJobsWithin(ctx: Pick<SetContext, 'client'>, jobs: readonly HostJob[], timeoutMs: number): Promise<Array<HostJobResult | { readonly unknown: string }>> {
  const { takesFrom, formatDuration } = await import('@kingly/cmd/lite');
  // Ctrl-C: the jobs are taken back as on a timeout, then the command ends (130).
  const interrupt = interruptSignal();
  try {
    const workers = await ctx.client.listWorkers();
    const out: Array<HostJobResult | { unknown: string } | string> = [];
    for (const job of jobs) {
      const queue = await hostJobQueue(job);
      if (workers.some((w) => w.alive && takesFrom(w, queue))) out.push(await enqueueHostJob(ctx, job));
      else out.push({ unknown: job.home.host ? `no worker of host '${job.home.host}' is up` : `no worker takes from queue '${queue}'` });
    }
    const ids = out.filter((x) => typeof x === 'string');
    const ended = new Map<string, JobRecord>();
    await ctx.client.waitForJobs(ids, { timeoutMs, signal: interrupt.signal, onEach: (record) => ended.set(record.id, record) }).catch(async (error: unknown) => {
      const { ErrorCodes, KinglyError } = await import('@kingly/cmd/lite');
      if (!(error instanceof KinglyError && error.code === ErrorCodes.TIMEOUT)) throw error;
    });
    const results = await Promise.all(out.map(async (x) => {
      if (typeof x !== 'string') return x;
      const record = ended.get(x);
      if (record) return readResult(ctx, record);
      const { action } = await ctx.client.cancel(x, { wait: false });
      if (action === 'already-ended') return readResult(ctx, await ctx.client.getJob(x));
      return { unknown: `job ${x} was not done within ${formatDuration(timeoutMs)} (${action === 'removed' ? 'removed from its queue' : 'cancelled'})` };
    }));
    if (interrupt.signal.aborted) {
      await write(process.stderr, 'kingly: interrupted; the git jobs not done were taken back\n');
      throw new ExitRequest(ExitCode.INTERRUPTED);
    }
    return results;
  } finally {
    interrupt.dispose();
  }
}

async function hostJobQueue(job: HostJob): Promise<string> {
  const { hostQueueName } = await import('@kingly/cmd/lite');
  return job.home.host ? hostQueueName(job.home.queue, job.home.host) : job.home.queue;
}

async function enqueueHostJob(ctx: Pick<SetContext, 'client'>, job: HostJob): Promise<string> {
  const spec = { argv: ['sh', '-c', job.script, 'kingly-parallel', ...job.args], cwd: job.cwd, name: job.name, tags: ['parallel'] };
  return (await ctx.client.enqueue(spec, { queue: await hostJobQueue(job) })).id;
}

async function readResult(ctx: Pick<SetContext, 'client'>, job: JobRecord): Promise<HostJobResult> {
  const said: Array<[string, string]> = [];
  const last = { stderr: '', system: '' };
  for await (const entry of ctx.client.followLogs(job.id, { follow: false })) {
    const tagged = entry.stream === 'stdout' ? taggedLine(entry.line) : undefined;
    if (tagged) said.push(tagged);
    else if (entry.stream !== 'stdout' && entry.line.trim() !== '') last[entry.stream] = entry.line.trim();
  }
  if (job.state === 'succeeded') return { job, said };
  const lastError = last.stderr || last.system;
  return { job, said, failure: `job ${job.id} on ${job.host ?? 'no host'} ended ${job.state}${lastError ? `: ${lastError}` : ''} (kingly logs ${job.id})` };
}

/** A line `@kingly <tag> <value>` of a script, as [tag, value]. */
export function taggedLine(line: string): [string, string] | undefined {
  const tagged = /^@kingly (\S+) (.*)$/.exec(line);
  return tagged ? [tagged[1]!, tagged[2]!] : undefined;
}

/** The values said with `tag`. */
export const saidAll = (result: HostJobResult, tag: string): string[] => result.said.filter(([t]) => t === tag).map(([, v]) => v);
/** The last value said with `tag`. */
export const said = (result: HostJobResult, tag: string): string | undefined => saidAll(result, tag).at(-1);

import type { JobRecord } from '@kingly/cmd';
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
  const { hostQueueName } = await import('@kingly/cmd');
  const { warnWhenNoWorker } = await import('../follow-run.js');
  const ids: string[] = [];
  const queues = new Set<string>();
  for (const job of jobs) {
    const queue = job.home.host ? hostQueueName(job.home.queue, job.home.host) : job.home.queue;
    queues.add(queue);
    const spec = { argv: ['sh', '-c', job.script, 'kingly-parallel', ...job.args], cwd: job.cwd, name: job.name, tags: ['parallel'] };
    ids.push((await ctx.client.enqueue(spec, { queue })).id);
  }
  for (const queue of queues) await warnWhenNoWorker(ctx.client, queue, (text) => write(process.stderr, `kingly: ${text}\n`));
  const records = await ctx.client.waitForJobs(ids);
  return Promise.all(records.map((job) => readResult(ctx, job)));
}

async function readResult(ctx: SetContext, job: JobRecord): Promise<HostJobResult> {
  const said: Array<[string, string]> = [];
  const last = { stderr: '', system: '' };
  for await (const entry of ctx.client.followLogs(job.id, { follow: false })) {
    const tagged = entry.stream === 'stdout' ? /^@kingly (\S+) (.*)$/.exec(entry.line) : null;
    if (tagged) said.push([tagged[1]!, tagged[2]!]);
    else if (entry.stream !== 'stdout' && entry.line.trim() !== '') last[entry.stream] = entry.line.trim();
  }
  if (job.state === 'succeeded') return { job, said };
  const lastError = last.stderr || last.system;
  return { job, said, failure: `job ${job.id} on ${job.host ?? 'no host'} ended ${job.state}${lastError ? `: ${lastError}` : ''} (kingly logs ${job.id})` };
}

/** The values said with `tag`. */
export const saidAll = (result: HostJobResult, tag: string): string[] => result.said.filter(([t]) => t === tag).map(([, v]) => v);
/** The last value said with `tag`. */
export const said = (result: HostJobResult, tag: string): string | undefined => saidAll(result, tag).at(-1);

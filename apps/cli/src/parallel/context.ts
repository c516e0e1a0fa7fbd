import type { Command } from 'commander';
import type { Redis } from 'ioredis';
import type { JobRecord, KinglyClient, KinglyConfig, KinglyKeys } from '@kingly/cmd';
import { withClient } from '../context.js';
import { readStreamSet, streamGroup, streamJobName, type StreamSet } from './stream-set.js';

/** What every `kingly parallel` subcommand after init works with. */
export interface SetContext {
  readonly client: KinglyClient;
  readonly redis: Redis;
  readonly keys: KinglyKeys;
  readonly config: KinglyConfig;
  readonly set: StreamSet;
}

/** Runs `fn` with the stream set `name`; an unknown name is E_JOB_NOT_FOUND naming `kingly parallel list`. */
export async function withStreamSet<T>(command: Command, name: string, fn: (ctx: SetContext) => Promise<T>): Promise<T> {
  return withClient(command, async (client, config) => {
    const { createKeys, ErrorCodes, KinglyError } = await import('@kingly/cmd');
    const keys = createKeys(config.prefix);
    const redis = await client.redis();
    const set = await readStreamSet(redis, keys, name);
    if (!set) throw new KinglyError(ErrorCodes.JOB_NOT_FOUND, `no stream set named '${name}'`, { hint: 'see kingly parallel list' });
    return fn({ client, redis, keys, config, set });
  });
}

/** Each stream's runs (its first job, then one per `send`), oldest first. */
export async function streamRuns(ctx: Pick<SetContext, 'client' | 'set'>): Promise<Map<string, JobRecord[]>> {
  const jobs = await ctx.client.listJobs({ group: streamGroup(ctx.set.name), limit: 10_000 });
  const runs = new Map<string, JobRecord[]>(ctx.set.streams.map((s) => [s.stream, []]));
  for (const job of jobs) {
    const entry = ctx.set.streams.find((s) => streamJobName(ctx.set.name, s.stream) === job.name);
    if (entry) runs.get(entry.stream)!.push(job);
  }
  for (const list of runs.values()) list.sort((a, b) => Date.parse(a.createdAt ?? '0') - Date.parse(b.createdAt ?? '0') || a.id.localeCompare(b.id));
  return runs;
}

/** The stream named on the command line, or E_BAD_INPUT listing the set's streams. */
export async function findStream(set: StreamSet, stream: string): Promise<StreamSet['streams'][number]> {
  const entry = set.streams.find((s) => s.stream === stream);
  if (entry) return entry;
  const { badInput } = await import('@kingly/cmd');
  throw badInput(`stream set '${set.name}' has no stream '${stream}'`, `its streams: ${set.streams.map((s) => s.stream).join(', ')}`);
}

/** The local path of the set's repository, or undefined for a URL (its branches live in the workers' mirrors). */
export const localRepo = (set: StreamSet): string | undefined => (set.repo.startsWith('/') ? set.repo : undefined);

/**
 * The local repository of the set as a path on this machine, for the git work `what` does here
 * (sync, merge); E_BAD_INPUT when that path is not on this machine. (A set of a URL repository
 * does that work in jobs on its worktrees' hosts: host-job.ts.)
 */
export async function requireLocalRepo(repo: string, set: StreamSet, what: string): Promise<string> {
  const { existsSync } = await import('node:fs');
  if (existsSync(repo)) return repo;
  const { badInput } = await import('@kingly/cmd');
  throw badInput(`kingly parallel ${what} needs the repository of '${set.name}' on this machine; ${repo} is not here`, 'run it on the machine that has it');
}

/** The worktree a stream's agent works in: made by its first run, kept, and reused by every `send`. */
export function streamWorktree(runs: readonly JobRecord[]): string | undefined {
  return streamHome(runs)?.worktreePath ?? undefined;
}

/**
 * The newest run that has the stream's worktree: its `host` is the machine that holds the worktree,
 * where every later run must go (`send` enqueues on that host's queue), its `queue` the set's queue.
 */
export function streamHome(runs: readonly JobRecord[]): JobRecord | undefined {
  for (let i = runs.length - 1; i >= 0; i -= 1) if (runs[i]!.worktreePath) return runs[i]!;
  return undefined;
}

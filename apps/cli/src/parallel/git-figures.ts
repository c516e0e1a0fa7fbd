import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { JobRecord } from '@kingly/cmd';
import { write } from '../output/write.js';
import { localRepo, streamHome, type SetContext } from './context.js';
import { GitFailure, runScript } from './git.js';
import { runHostJobsWithin, taggedLine, type HostJob, type HostJobResult } from './host-job.js';
import { FIGURES_SCRIPT } from './host-scripts.js';
import type { StreamSet } from './stream-set.js';
import type { StreamGit } from './stream-status.js';

/** A stream's git figures, or null with the reason they are unknown. */
export interface StreamFigures {
  readonly git: StreamGit | null;
  /** Why `git` is null. @default undefined (the figures are there, or were not asked for) */
  readonly note?: string;
}

/** Figures read by `hostFigures`, by `<stream> <id of its ended run>`. */
export type FiguresSeen = Map<string, StreamFigures>;

/** How long `kingly parallel status` waits for the figures of a set of a URL repository. */
export const DEFAULT_GIT_TIMEOUT_MS = 15_000;

/**
 * The git figures of a set of a URL repository: one job per host that holds the worktrees of
 * streams whose agent has ended (FIGURES_SCRIPT, in that worker's mirror), waited for at most
 * `timeoutMs`. A stream whose agent is queued or running, a host with no worker up, or a job not
 * done in time (cancelled, not left queued): null, with a note (also said on stderr for a host).
 * `known`: figures read before, kept by the stream's ended run; those runs are not read again, and
 * what is read is added.
 */
export async function hostFigures(
  ctx: Pick<SetContext, 'client' | 'set'>,
  runs: ReadonlyMap<string, readonly JobRecord[]>,
  timeoutMs: number,
  known?: FiguresSeen,
): Promise<Map<string, StreamFigures>> {
  const figures = new Map<string, StreamFigures>();
  const groups = new Map<string, { job: HostJob; streams: Array<{ stream: string; branch: string }> }>();
  for (const entry of ctx.set.streams) {
    const list = runs.get(entry.stream) ?? [];
    const state = list.at(-1)?.state;
    const home = streamHome(list);
    const seen = known?.get(`${entry.stream} ${list.at(-1)?.id}`);
    if (seen) figures.set(entry.stream, seen);
    else if (state === 'queued' || state === 'running') figures.set(entry.stream, { git: null, note: `its agent is ${state}` });
    else if (!home?.worktreePath) figures.set(entry.stream, { git: null, note: 'it has no worktree' });
    else {
      // The worker keeps worktrees at <home>/worktrees/<repo-id>/<job>, its mirror at <home>/mirrors/<repo-id>.git.
      const mirror = join(dirname(dirname(dirname(home.worktreePath))), 'mirrors', `${basename(dirname(home.worktreePath))}.git`);
      const key = `${home.host ?? ''} ${mirror}`;
      const name = `parallel status ${ctx.set.name}${home.host ? ` on ${home.host}` : ''}`;
      const group = groups.get(key) ?? { job: { home, name, script: FIGURES_SCRIPT, args: [ctx.set.base, 'origin'], cwd: mirror }, streams: [] };
      group.streams.push({ stream: entry.stream, branch: entry.branch });
      groups.set(key, group);
    }
  }
  const list = [...groups.values()];
  const done = await runHostJobsWithin(ctx, list.map(({ job, streams }) => ({ ...job, args: [...job.args, ...streams.map((s) => s.branch)] })), timeoutMs);
  for (const [i, { job, streams }] of list.entries()) {
    const result = done[i]!;
    const why = 'unknown' in result ? result.unknown : result.failure;
    const read = why === undefined ? readFigures((result as HostJobResult).said) : new Map<string, StreamGit>();
    const note = why ?? `its branch is not in the mirror of ${job.home.host ?? 'its host'}`;
    for (const { stream, branch } of streams) {
      const git = read.get(branch);
      figures.set(stream, git ? { git } : { git: null, note });
      known?.set(`${stream} ${runs.get(stream)?.at(-1)?.id}`, figures.get(stream)!);
    }
    if (why !== undefined) {
      await write(process.stderr, `kingly: git figures of ${streams.map((s) => `${ctx.set.name}/${s.stream}`).join(', ')}${job.home.host ? ` on ${job.home.host}` : ''} unknown: ${why}\n`);
    }
  }
  return figures;
}

/**
 * The git figures of a set of a local repository, read by the same script run here; null for a
 * stream whose branch is not there (yet), all null when the repository is not on this machine.
 */
export async function localFigures(set: StreamSet): Promise<Map<string, StreamFigures>> {
  const repo = localRepo(set);
  const figures = new Map<string, StreamFigures>();
  if (!repo || !existsSync(repo)) return figures;
  let read = new Map<string, StreamGit>();
  let note: string | undefined;
  try {
    const out = await runScript(repo, FIGURES_SCRIPT, [set.base, 'local', ...set.streams.map((s) => s.branch)]);
    read = readFigures(out.split('\n').map(taggedLine).filter((said) => said !== undefined));
  } catch (error) {
    note = `git failed in ${repo}: ${error instanceof GitFailure ? error.stderr.trim().split('\n').at(-1) : String(error)}`;
  }
  for (const { stream, branch } of set.streams) {
    const git = read.get(branch);
    figures.set(stream, git ? { git } : { git: null, ...(note ? { note } : {}) });
  }
  return figures;
}

/** The figures FIGURES_SCRIPT said, by branch: `branch` opens a branch's lines, the next ones are its figures. */
export function readFigures(said: HostJobResult['said']): Map<string, StreamGit> {
  const out = new Map<string, StreamGit>();
  let current: { branch: string; ahead: number; behind: number; filesChanged: number; conflicts: string[] } | undefined;
  for (const [tag, value] of said) {
    if (tag === 'branch') {
      current = { branch: value, ahead: 0, behind: 0, filesChanged: 0, conflicts: [] };
      out.set(value, current);
    } else if (current && tag === 'conflict') current.conflicts.push(value);
    else if (current && (tag === 'ahead' || tag === 'behind' || tag === 'files')) current[tag === 'files' ? 'filesChanged' : tag] = Number(value);
  }
  return new Map([...out].map(([branch, { ahead, behind, filesChanged, conflicts }]) => [branch, { ahead, behind, filesChanged, conflicts }]));
}

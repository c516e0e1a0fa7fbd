import type { AgentResult, JobRecord } from '@kingly/cmd';
import type { StreamFigures } from './git-figures.js';
import type { StreamSet } from './stream-set.js';
import { streamWorktree } from './context.js';

/** The agent's figures of a stream: its runs' added up, the rest from the newest run that has it. */
export interface StreamAgent {
  readonly sessionId: string | null;
  readonly model: string | null;
  readonly turns: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly lastText: string | null;
  readonly lastTool: string | null;
  readonly result: AgentResult | null;
}

/** The stream's branch against the base: commits ahead and behind, files changed, files that would conflict. */
export interface StreamGit {
  readonly ahead: number;
  readonly behind: number;
  readonly filesChanged: number;
  readonly conflicts: string[];
}

/** One row of `kingly parallel status --json` (the shape is documented in the README). */
export interface StreamStatus {
  readonly stream: string;
  readonly branch: string;
  readonly worktree: string | null;
  readonly host: string | null;
  readonly jobId: string | null;
  readonly state: string;
  /** From the first run's start to the newest run's end (or now). */
  readonly elapsedMs: number | null;
  readonly agent: StreamAgent;
  readonly git: StreamGit | null;
  /** Why `git` is null, for a set of a URL repository (its figures come from jobs on the hosts). @default absent */
  readonly gitNote?: string;
}

export interface SetStatus {
  readonly name: string;
  readonly base: string;
  readonly repo: string;
  readonly streams: StreamStatus[];
  readonly totals: { readonly costUsd: number; readonly turns: number };
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

export function streamAgent(runs: readonly JobRecord[]): StreamAgent {
  const states = runs.map((r) => r.agent).filter((a) => a !== null);
  const newest = <K extends 'sessionId' | 'model' | 'lastText' | 'lastTool'>(key: K): string | null =>
    states.reduce<string | null>((found, a) => a[key] ?? found, null);
  const sum = (key: 'turns' | 'inputTokens' | 'outputTokens' | 'costUsd'): number => states.reduce((n, a) => n + a[key], 0);
  return {
    sessionId: newest('sessionId'),
    model: newest('model'),
    turns: sum('turns'),
    inputTokens: sum('inputTokens'),
    outputTokens: sum('outputTokens'),
    costUsd: round(sum('costUsd')),
    lastText: newest('lastText'),
    lastTool: newest('lastTool'),
    // The newest run's result only: an older run's would describe a finished conversation turn, not now.
    result: states.at(-1)?.result ?? null,
  };
}

/** The set's status; `figures`: each stream's git figures (git-figures.ts; a stream not in it has none). */
export function setStatus(set: StreamSet, runs: Map<string, JobRecord[]>, figures: ReadonlyMap<string, StreamFigures>): SetStatus {
  const streams = set.streams.map((entry): StreamStatus => {
      const list = runs.get(entry.stream) ?? [];
      const newest = list.at(-1);
      const known = figures.get(entry.stream) ?? { git: null };
      return {
        stream: entry.stream,
        branch: entry.branch,
        worktree: streamWorktree(list) ?? null,
        host: newest?.host ?? null,
        jobId: newest?.id ?? null,
        state: newest?.state ?? 'missing',
        elapsedMs: list[0]?.startedAt ? (newest?.finishedAt ? Date.parse(newest.finishedAt) : Date.now()) - Date.parse(list[0].startedAt) : null,
        agent: streamAgent(list),
        git: known.git,
        ...(known.note !== undefined ? { gitNote: known.note } : {}),
      };
  });
  return {
    name: set.name,
    base: set.base,
    repo: set.repo,
    streams,
    totals: { costUsd: round(streams.reduce((n, s) => n + s.agent.costUsd, 0)), turns: streams.reduce((n, s) => n + s.agent.turns, 0) },
  };
}

import type { JobRecord, WorkerInfo } from '@kingly/cmd';
import { formatBytes, formatDuration } from '@kingly/cmd/lite';
import { paintState } from './colour.js';

const dash = '-';

/** "12s ago", "3m04s ago" — how long since an ISO time. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return dash;
  const ms = now - Date.parse(iso);
  return ms < 1000 ? 'just now' : `${formatDuration(ms)} ago`;
}

/** Cuts text to `max` characters with an ellipsis, on one line. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export const exitText = (r: Pick<JobRecord, 'exitCode' | 'signal'>): string => (r.exitCode !== null ? String(r.exitCode) : r.signal ?? dash);

/** The latest CPU % of a job's process tree ("-" before the first sample). */
export const cpuText = (r: Pick<JobRecord, 'cpuPercent'>): string => (r.cpuPercent === null ? dash : `${Math.round(r.cpuPercent)}%`);

/** The latest resident memory of a job's process tree. */
export const rssText = (r: Pick<JobRecord, 'rssBytes'>): string => (r.rssBytes === null ? dash : formatBytes(r.rssBytes));

/** How long since an ISO time, without "ago" (uptime, elapsed). */
export const elapsedSince = (iso: string | null, now = Date.now()): string => (iso ? formatDuration(Math.max(0, now - Date.parse(iso))) : dash);

/** The running time of a job: its duration when done, the time so far while running. */
function durationText(r: JobRecord, now: number): string {
  if (r.durationMs !== null) return formatDuration(r.durationMs);
  if (r.state === 'running' && r.startedAt) return formatDuration(now - Date.parse(r.startedAt));
  return dash;
}

/** The command as a table shows it: `[name] command` when the job was given a name. */
const commandText = (r: JobRecord): string => clip(r.name && r.name !== r.command ? `[${r.name}] ${r.command}` : r.command, 60);

export const JOB_TABLE_HEAD = ['ID', 'STATE', 'EXIT', 'DURATION', 'CREATED', 'COMMAND'] as const;

export function jobRow(r: JobRecord, now = Date.now()): string[] {
  return [r.id, paintState(r.state), exitText(r), durationText(r, now), ago(r.createdAt, now), commandText(r)];
}

/** What a worktree job checked out: `branch@sha`, `ref@sha` or the sha alone when REF was one; "-" for other jobs. */
export function checkoutText(r: Pick<JobRecord, 'repo' | 'ref' | 'commit' | 'branch'>): string {
  if (r.repo === null) return dash;
  const name = r.branch ?? (r.ref !== null && !r.commit?.startsWith(r.ref) ? clip(r.ref, 24) : null);
  const sha = r.commit?.slice(0, 7);
  return [name, sha].filter(Boolean).join('@') || 'HEAD';
}

/** `kingly jobs`: the table, with a WORKTREE column before COMMAND when one of the jobs ran in a worktree. */
export function jobTable(jobs: readonly JobRecord[], now = Date.now()): { head: string[]; rows: string[][] } {
  const rows = jobs.map((j) => jobRow(j, now));
  if (!jobs.some((j) => j.repo !== null)) return { head: [...JOB_TABLE_HEAD], rows };
  const beforeLast = <T>(items: readonly T[], item: T): T[] => [...items.slice(0, -1), item, items.at(-1)!];
  return { head: beforeLast(JOB_TABLE_HEAD, 'WORKTREE'), rows: rows.map((row, i) => beforeLast(row, checkoutText(jobs[i]!))) };
}

export const WORKER_TABLE_HEAD = ['WORKER', 'HOST', 'PID', 'QUEUE', 'RUNNING', 'UPTIME', 'LAST HEARTBEAT'] as const;

export function workerRow(w: WorkerInfo, now = Date.now()): string[] {
  return [
    w.id,
    w.host,
    String(w.pid),
    w.queue,
    `${w.running}/${w.concurrency}`,
    w.alive ? elapsedSince(w.startedAt, now) : dash,
    `${ago(w.lastSeenAt, now)}${w.alive ? '' : ' DEAD'}`,
  ];
}

export const RUNNING_TABLE_HEAD = ['ID', 'NAME', 'COMMAND', 'PID', 'CPU', 'RSS', 'ELAPSED', 'HOST'] as const;

/** A running job as `kingly status` lists it: its live figures. */
export function runningRow(r: JobRecord, now = Date.now()): string[] {
  const name = r.name !== r.command ? clip(r.name, 24) : dash;
  return [r.id, name, clip(r.command, 40), r.pid === null ? dash : String(r.pid), cpuText(r), rssText(r), elapsedSince(r.startedAt, now), r.host ?? dash];
}

export const FAILURE_TABLE_HEAD = ['ID', 'STATE', 'EXIT', 'ENDED', 'COMMAND'] as const;

export function failureRow(r: JobRecord, now = Date.now()): string[] {
  return [r.id, paintState(r.state), exitText(r), ago(r.finishedAt, now), commandText(r)];
}

/** `kingly show`: one "key: value" line per field that says something. */
export function jobDetails(r: JobRecord): string {
  const fields: Array<[string, string | null]> = [
    ['id', r.id],
    ['name', r.name !== r.command ? r.name : null],
    ['command', r.argv ? JSON.stringify(r.argv) : r.command],
    ['state', paintState(r.state)],
    ['exit code', r.exitCode === null ? null : String(r.exitCode)],
    ['signal', r.signal],
    ['reason', r.reason],
    ['queue', r.queue],
    ['cwd', r.cwd],
    ['repo', r.repo],
    ['ref', r.ref],
    ['commit', r.commit === null ? null : r.commit.slice(0, 12)],
    ['branch', r.branch],
    ['worktree', r.worktreePath],
    ['group', r.group],
    ['tags', r.tags.length > 0 ? r.tags.join(', ') : null],
    ['host', r.host],
    ['worker', r.workerId],
    ['pid', r.pid === null ? null : `${r.pid}${r.pgid !== null ? ` (group ${r.pgid})` : ''}`],
    ['attempt', r.attempts > 1 ? `${r.attempt} of ${r.attempts}` : null],
    ['created', r.createdAt],
    ['started', r.startedAt],
    ['finished', r.finishedAt],
    ['duration', r.durationMs === null ? null : formatDuration(r.durationMs)],
    ['cpu', r.cpuSeconds === null ? null : `${r.cpuSeconds.toFixed(2)}s`],
    ['peak memory', r.peakRssBytes === null ? null : formatBytes(r.peakRssBytes)],
  ];
  const shown = fields.filter((f): f is [string, string] => f[1] !== null && f[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}

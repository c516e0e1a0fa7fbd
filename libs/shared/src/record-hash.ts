import type { JobData } from './schemas/job-spec.js';
import { displayCommand } from './display-command.js';
import type { JobRecord } from './schemas/job-record.js';
import { JOB_STATES, type JobState } from './job-states.js';
import { redactRepo } from './git-names.js';
import { agentFromHash, agentToHash, emptyAgentState } from './agent/agent-hash.js';

// The job hash stores flat strings; numbers and times as ms. These two functions are the only
// place that knows the layout.

const NUMBER_FIELDS = [
  'exitCode', 'pid', 'pgid', 'durationMs', 'cpuPercent', 'rssBytes', 'peakRssBytes', 'cpuSeconds', 'processCount', 'restarts', 'port',
] as const;
const TIME_FIELDS = ['createdAt', 'startedAt', 'restartedAt', 'finishedAt'] as const;
const STRING_FIELDS = ['signal', 'reason', 'host', 'workerId', 'cwd', 'group', 'repo', 'ref', 'commit', 'branch', 'worktreePath'] as const;

export type RecordHash = Record<string, string>;

/** Hash fields for a record (null fields are left out). */
export function recordToHash(record: Partial<JobRecord>): RecordHash {
  const hash: RecordHash = {};
  const set = (key: string, value: unknown): void => {
    if (value !== null && value !== undefined) hash[key] = String(value);
  };
  set('queue', record.queue);
  set('name', record.name);
  set('command', record.command);
  if (record.argv) hash.argv = JSON.stringify(record.argv);
  if (record.tags && record.tags.length > 0) hash.tags = JSON.stringify(record.tags);
  set('state', record.state);
  set('attempt', record.attempt);
  set('attempts', record.attempts);
  for (const f of NUMBER_FIELDS) set(f, record[f]);
  for (const f of STRING_FIELDS) set(f, record[f]);
  for (const f of TIME_FIELDS) {
    const v = record[f];
    if (v) hash[f] = String(Date.parse(v));
  }
  if (record.agent) Object.assign(hash, agentToHash(record.agent));
  return hash;
}

/** Hash fields describing the job's spec, written when a worker (or canceller) takes it over. */
export function specToHash(id: string, queue: string, data: JobData): RecordHash {
  return recordToHash(recordFromData(id, queue, data, 'queued'));
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));
const iso = (v: string | undefined): string | null => (v ? new Date(Number(v)).toISOString() : null);
const str = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

/** Builds a record from BullMQ data alone (a job no worker has touched yet). */
export function recordFromData(id: string, queue: string, data: JobData, state: JobState): JobRecord {
  const command = displayCommand(data);
  return {
    id,
    queue,
    name: data.name ?? command,
    command,
    argv: data.argv ?? null,
    cwd: data.cwd ?? null,
    group: data.group ?? null,
    tags: data.tags ?? [],
    state,
    exitCode: null,
    signal: null,
    reason: null,
    pid: null,
    pgid: null,
    host: null,
    workerId: null,
    attempt: 0,
    attempts: data.attempts ?? 1,
    createdAt: new Date(data.createdAt).toISOString(),
    startedAt: null,
    restartedAt: null,
    finishedAt: null,
    durationMs: null,
    cpuPercent: null,
    rssBytes: null,
    peakRssBytes: null,
    cpuSeconds: null,
    processCount: null,
    restarts: 0,
    port: null,
    repo: data.worktree ? redactRepo(data.worktree.repo) : null,
    ref: data.worktree ? (data.worktree.ref ?? 'HEAD') : null,
    commit: null,
    branch: data.worktree?.branch ?? null,
    worktreePath: null,
    agent: data.agent ? emptyAgentState(data.agent.name) : null,
  };
}

/** Overlays a hash on a base record (the hash wins where it has a field). */
export function recordFromHash(id: string, hash: RecordHash, base?: JobRecord): JobRecord {
  const state = (JOB_STATES as readonly string[]).includes(hash.state ?? '')
    ? (hash.state as JobState)
    : (base?.state ?? 'queued');
  const command = hash.command ?? base?.command ?? '';
  const record: JobRecord = {
    id,
    queue: hash.queue ?? base?.queue ?? '',
    name: hash.name ?? base?.name ?? command,
    command,
    argv: hash.argv ? (JSON.parse(hash.argv) as string[]) : (base?.argv ?? null),
    cwd: str(hash.cwd) ?? base?.cwd ?? null,
    group: str(hash.group) ?? base?.group ?? null,
    tags: hash.tags ? (JSON.parse(hash.tags) as string[]) : (base?.tags ?? []),
    state,
    exitCode: num(hash.exitCode),
    signal: str(hash.signal),
    reason: str(hash.reason),
    pid: num(hash.pid),
    pgid: num(hash.pgid),
    host: str(hash.host),
    workerId: str(hash.workerId),
    attempt: num(hash.attempt) ?? base?.attempt ?? 0,
    attempts: num(hash.attempts) ?? base?.attempts ?? 1,
    createdAt: iso(hash.createdAt) ?? base?.createdAt ?? null,
    startedAt: iso(hash.startedAt),
    restartedAt: iso(hash.restartedAt),
    finishedAt: iso(hash.finishedAt),
    durationMs: num(hash.durationMs),
    cpuPercent: num(hash.cpuPercent),
    rssBytes: num(hash.rssBytes),
    peakRssBytes: num(hash.peakRssBytes),
    cpuSeconds: num(hash.cpuSeconds),
    processCount: num(hash.processCount),
    restarts: num(hash.restarts) ?? 0,
    port: num(hash.port),
    repo: str(hash.repo) ?? base?.repo ?? null,
    ref: str(hash.ref) ?? base?.ref ?? null,
    commit: str(hash.commit) ?? base?.commit ?? null,
    branch: str(hash.branch) ?? base?.branch ?? null,
    worktreePath: str(hash.worktreePath) ?? base?.worktreePath ?? null,
    agent: agentFromHash(hash) ?? base?.agent ?? null,
  };
  return record;
}

import type { JobRecord } from '@kingly/cmd';
import { formatDuration } from '@kingly/cmd/lite';
import { cpuText, exitText, rssText } from './format-job.js';
import type { DevServer } from '../dev/servers.js';
import type { StartReport, StopReport } from '../dev/jobs.js';

const where = (r: JobRecord): string => [`job ${r.id}`, r.pid !== null ? `pid ${r.pid}` : '', r.port !== null ? `port ${r.port}` : ''].filter(Boolean).join(', ');

/** What `dev start` did, in one line. */
export function startLine(server: DevServer, { record, started }: StartReport): string {
  if (!started) return `dev server '${server.name}' is already running (${where(record)})`;
  if (record.state === 'queued') return `dev server '${server.name}' is queued: no worker has taken job ${record.id} yet`;
  if (record.state !== 'running') {
    return `dev server '${server.name}' ended at once: ${record.state} (exit ${exitText(record)})${record.reason ? `: ${record.reason}` : ''}; see kingly logs ${record.id}`;
  }
  return `dev server '${server.name}' started (${where(record)}); kingly dev logs -f ${server.name}`;
}

/** What `dev stop` did, in one line. */
export function stopLine(server: DevServer, { record, portFree }: StopReport): string {
  if (!record) return `dev server '${server.name}' is not running`;
  const state = record.signal ? `${record.state} (${record.signal})` : record.state;
  const port = record.port === null ? '' : portFree ? `; port ${record.port} is free` : `; port ${record.port} still answers: another program listens there`;
  return `stopped dev server '${server.name}' (job ${record.id}: ${state})${port}`;
}

/** `dev status --json`: one server, what runs of it here and whether its port answers. */
export interface DevStatus {
  readonly name: string;
  readonly command: string;
  readonly cwd: string;
  /** `running` or `queued` while this copy has a live job; else `stopped`. */
  readonly state: string;
  readonly id: string | null;
  readonly pid: number | null;
  readonly port: number | null;
  /** Whether 127.0.0.1:port accepts a connection; null without a port or a live job. */
  readonly portAnswers: boolean | null;
  readonly uptimeMs: number | null;
  readonly restarts: number;
  readonly cpuPercent: number | null;
  readonly rssBytes: number | null;
  /** Copies of the same definition running from other directories (worktrees). */
  readonly otherCopies: ReadonlyArray<{ readonly id: string; readonly cwd: string | null; readonly port: number | null }>;
}

export const DEV_STATUS_HEAD = ['NAME', 'STATE', 'JOB', 'PID', 'PORT', 'ANSWERS', 'UPTIME', 'RESTARTS', 'CPU', 'RSS'] as const;

export function devStatusRow(s: DevStatus): string[] {
  const dash = '-';
  const answers = s.portAnswers === null ? dash : s.portAnswers ? 'yes' : 'no';
  const live = s.state !== 'stopped';
  return [
    s.name,
    s.state,
    s.id ?? dash,
    s.pid === null || !live ? dash : String(s.pid),
    s.port === null ? dash : String(s.port),
    answers,
    live && s.uptimeMs !== null ? formatDuration(s.uptimeMs) : dash,
    String(s.restarts),
    live ? cpuText(s) : dash,
    live ? rssText(s) : dash,
  ];
}

import type { JobRecord, LogEntry } from '@kingly/cmd';
import { formatDuration } from '@kingly/cmd/lite';
import stringWidth from 'string-width';
import { bold, fitWidth, paintState } from './colour.js';
import { clip, cpuText, elapsedSince, rssText } from './format-job.js';

/** One job of a followed group: who it is, what is known of it, the last line it printed. */
export interface GroupRow {
  readonly id: string;
  readonly label: string;
  record?: JobRecord;
  lastLine?: string;
}

/** `text` padded to `width` terminal columns (a wide character or emoji takes two). */
const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - stringWidth(text)));

/** How long a job has run: its duration once ended, the time so far while it runs. */
function elapsedText(r: JobRecord | undefined, now: number): string {
  if (!r) return '-';
  if (r.durationMs !== null) return formatDuration(r.durationMs);
  return r.state === 'running' ? elapsedSince(r.startedAt, now) : '-';
}

/** The live rows of `kingly run --parallel -f` on a terminal under a header: label, state, elapsed, CPU, RSS, last line. */
export function groupRowLines(rows: readonly GroupRow[], now = Date.now()): string[] {
  const labelWidth = Math.min(30, Math.max(4, ...rows.map((r) => stringWidth(r.label))));
  const header = bold(`${pad('JOB', labelWidth)}  ${pad('STATE', 12)} ${pad('ELAPSED', 7)} ${pad('CPU', 5)} ${pad('MEM', 6)}  LAST LINE`);
  return [header, ...rows.map((row) => {
    const r = row.record;
    const state = r ? (r.state === 'failed' && r.exitCode !== null ? `failed (${r.exitCode})` : r.state) : 'queued';
    // Once ended, the memory shown is the peak.
    const memory = r ? rssText({ rssBytes: r.rssBytes ?? r.peakRssBytes }) : '-';
    const figures = [pad(elapsedText(r, now), 7), pad(r ? cpuText(r) : '-', 5), pad(memory, 6)].join(' ');
    return `${pad(fitWidth(row.label, labelWidth), labelWidth)}  ${paintState(r?.state ?? 'queued', pad(state, 12))} ${figures}  ${clip(row.lastLine ?? '', 200)}`.trimEnd();
  })];
}

/** Keeps the last output line of a row (stdout or stderr; kingly's own notes too). */
export function noteLine(row: GroupRow, entry: LogEntry): void {
  if (entry.line.trim() !== '') row.lastLine = entry.line;
}

/** `group g1: 3 jobs, 2 succeeded, 1 failed in 4.2s` (states counted from the records known). */
export function groupSummary(group: string, records: ReadonlyArray<JobRecord | undefined>, elapsedMs: number): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r?.state ?? 'queued', (counts.get(r?.state ?? 'queued') ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => paintState(state, `${n} ${state}`));
  return `group ${group}: ${records.length} job${records.length === 1 ? '' : 's'}, ${parts.join(', ')} in ${formatDuration(elapsedMs)}`;
}

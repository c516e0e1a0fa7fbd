import type { JobRecord } from '@kingly/cmd';
import { formatBytes, formatDuration } from '@kingly/cmd/lite';
import { sparkline } from '../output/sparkline.js';
import type { RunningRow, TopSnapshot } from './model.js';

/** A run of text with one style; colours are dropped under NO_COLOR (screen.ts). */
export interface Segment {
  readonly text: string;
  readonly color?: 'green' | 'red' | 'yellow' | 'cyan' | 'gray';
  readonly inverse?: boolean;
  readonly bold?: boolean;
}
export type Line = Segment[];

const ID_WIDTH = 16;
const BAR_WIDTH = 5;
const SPARK_WIDTH = 6;
const ELAPSED_WIDTH = 6;
const PARTS = ' ▏▎▍▌▋▊▉█';

/** Text cut or padded to exactly `width` characters (control characters shown as '?'). */
export function fit(text: string, width: number): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  const chars = [...flat];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`.slice(0, Math.max(0, width));
  return flat + ' '.repeat(width - chars.length);
}

/** A horizontal bar of `fraction` (0–1) in `width` cells, eighths included. */
export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.min(1, Math.max(0, fraction)) * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return ('█'.repeat(full) + (rest > 0 ? PARTS[rest] : '')).padEnd(width, ' ');
}

const STATE_COLOR: Partial<Record<string, Segment['color']>> = {
  succeeded: 'green', failed: 'red', 'timed-out': 'red', 'memory-limit': 'red', 'spawn-failed': 'red', 'worker-lost': 'yellow', cancelled: 'yellow', running: 'cyan',
};

/** Columns of a running row other than its command: marker, id, CPU and RSS blocks, elapsed. */
const RUNNING_FIXED = 2 + ID_WIDTH + 1 + 1 + (BAR_WIDTH + 5 + 1 + SPARK_WIDTH + 1) + (BAR_WIDTH + 7 + 1 + SPARK_WIDTH + 1) + ELAPSED_WIDTH;
const commandWidth = (width: number): number => Math.max(4, width - RUNNING_FIXED);

const label = (r: JobRecord): string => (r.name && r.name !== r.command ? `[${r.name}] ${r.command}` : r.command);

/** Does the job match the `/` filter (id, name, command, queue or state, any case)? */
export function matches(r: JobRecord, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  return [r.id, r.name, r.command, r.queue, r.state].some((v) => v.toLowerCase().includes(needle));
}

/** The ids the arrows move through, in screen order: running jobs, then recent ones. */
export function selectable(snapshot: TopSnapshot, filter: string): string[] {
  return [...snapshot.running.map((r) => r.record).filter((r) => matches(r, filter)), ...snapshot.recent.filter((r) => matches(r, filter))].map((r) => r.id);
}

function runningLine(row: RunningRow, selected: boolean, maxRss: number, width: number, now: number): Line {
  const r = row.record;
  const cpu = r.cpuPercent ?? 0;
  const rss = r.rssBytes ?? 0;
  const elapsed = r.startedAt ? formatDuration(Math.max(0, now - Date.parse(r.startedAt))) : '-';
  return [
    { text: selected ? '> ' : '  ', bold: selected },
    { text: `${fit(r.id, ID_WIDTH)} ${fit(label(r), commandWidth(width))} `, inverse: selected },
    { text: bar(cpu / 100, BAR_WIDTH), color: 'green' },
    { text: `${fit(`${Math.round(cpu)}%`, 4).padStart(5)} ${fit(sparkline(row.cpu, SPARK_WIDTH, { max: 100 }), SPARK_WIDTH)} ` },
    { text: bar(maxRss > 0 ? rss / maxRss : 0, BAR_WIDTH), color: 'cyan' },
    { text: `${formatBytes(rss).padStart(7)} ${fit(sparkline(row.rss, SPARK_WIDTH, { fromMin: true }), SPARK_WIDTH)} ` },
    { text: elapsed.padStart(ELAPSED_WIDTH) },
  ];
}

function recentLine(r: JobRecord, selected: boolean, width: number, now: number): Line {
  const exit = r.exitCode !== null ? String(r.exitCode) : r.signal ?? '-';
  const ended = r.finishedAt ? `${formatDuration(Math.max(0, now - Date.parse(r.finishedAt)))} ago` : '-';
  const duration = r.durationMs !== null ? formatDuration(r.durationMs) : '-';
  const fixed = 2 + ID_WIDTH + 1 + 13 + 8 + 9 + 11;
  return [
    { text: selected ? '> ' : '  ', bold: selected },
    { text: `${fit(r.id, ID_WIDTH)} `, inverse: selected },
    { text: fit(r.state, 12) + ' ', color: STATE_COLOR[r.state] },
    { text: `${fit(exit, 7)} ${duration.padStart(8)} ${fit(ended, 10)} ${fit(label(r), Math.max(4, width - fixed))}` },
  ];
}

/** The rows of a list section that fit in `room`, scrolled so the selected one shows. */
function windowOf<T>(items: readonly T[], room: number, selectedIndex: number): { shown: T[]; from: number } {
  if (items.length <= room) return { shown: [...items], from: 0 };
  const from = selectedIndex < 0 ? 0 : Math.min(Math.max(0, selectedIndex - room + 1), items.length - room);
  return { shown: items.slice(from, from + room), from };
}

export interface ListView {
  readonly snapshot: TopSnapshot;
  readonly selected: string | undefined;
  readonly filter: string;
  readonly width: number;
  /** Lines available (the terminal's rows less one, so nothing scrolls). */
  readonly height: number;
}

/** The main screen: header, workers, running jobs with bars and sparklines, recent jobs (footer apart). */
export function listScreen(view: ListView): Line[] {
  const { snapshot: s, width, filter } = view;
  const now = s.at;
  const alive = s.workers.filter((w) => w.alive).length;
  const failed = s.counts.failed + s.counts['timed-out'] + s.counts['memory-limit'] + s.counts['spawn-failed'] + s.counts['worker-lost'];
  const clock = new Date(now).toTimeString().slice(0, 8);
  const summary = `kingly top  workers ${alive}/${s.workers.length} · running ${s.counts.running} · queued ${s.counts.queued} · ok ${s.counts.succeeded} · failed ${failed}`;
  const lines: Line[] = [[{ text: fit(summary, width - 9) + ' ' + clock, bold: true }]];
  if (filter !== '') lines.push([{ text: fit(`filter: ${filter}`, width), color: 'yellow' }]);

  const workers = s.workers.slice(0, 3).map((w): Line => [
    { text: fit(`  ${w.id}`, Math.max(10, width - 40)) },
    { text: fit(w.alive ? ' alive' : ' dead', 7), color: w.alive ? 'green' : 'red' },
    { text: fit(` ${w.running}/${w.concurrency} running  ${w.host}`, 33) },
  ]);
  if (s.workers.length > 3) workers.push([{ text: fit(`  … ${s.workers.length - 3} more`, width) }]);
  lines.push([{ text: fit(`WORKERS (${s.workers.length})`, width), bold: true }], ...(workers.length > 0 ? workers : [[{ text: fit('  none: start one with kingly worker (or kingly up)', width), color: 'gray' } as Segment]]));

  const running = s.running.filter((r) => matches(r.record, filter));
  const recent = s.recent.filter((r) => matches(r, filter));
  const maxRss = Math.max(0, ...running.map((r) => r.record.rssBytes ?? 0));
  // Two title lines; RUNNING first gets what it needs, RECENT keeps at least 3 rows when it has them.
  const room = Math.max(2, view.height - lines.length - 2);
  const runningRoom = Math.max(1, Math.min(Math.max(running.length, 1), room - Math.min(recent.length, 3)));
  const recentRoom = Math.max(0, room - runningRoom);
  const runIndex = running.findIndex((r) => r.record.id === view.selected);
  const recIndex = recent.findIndex((r) => r.id === view.selected);

  const cols = `${fit(`RUNNING (${running.length})`, ID_WIDTH + 2)} ${fit('COMMAND', commandWidth(width))} ${fit('CPU', BAR_WIDTH + 5 + 1 + SPARK_WIDTH + 1)}${fit('RSS', BAR_WIDTH + 7 + 1 + SPARK_WIDTH + 1)}${'TIME'.padStart(ELAPSED_WIDTH)}`;
  lines.push([{ text: fit(cols, width), bold: true }]);
  const runWin = windowOf(running, runningRoom, runIndex);
  if (running.length === 0) lines.push([{ text: fit('  nothing running', width), color: 'gray' }]);
  for (const row of runWin.shown) lines.push(runningLine(row, row.record.id === view.selected, maxRss, width, now));

  if (recentRoom > 0) {
    lines.push([{ text: fit(`${fit(`RECENT (${recent.length})`, ID_WIDTH + 3)}${fit('STATE', 13)}${fit('EXIT', 8)}DURATION ${fit('ENDED', 11)}COMMAND`, width), bold: true }]);
    const recWin = windowOf(recent, recentRoom - 1, recIndex);
    for (const r of recWin.shown) lines.push(recentLine(r, r.id === view.selected, width, now));
  }
  return lines.slice(0, view.height);
}

/** The output screen: the job's last lines that fit. */
export function outputScreen(record: JobRecord | undefined, id: string, output: readonly string[], ended: boolean, width: number, height: number): Line[] {
  const state = record?.state ?? '?';
  const title = `output of ${id}  ${state}${ended ? ' (log ended)' : ' (following)'}  ${record ? label(record) : ''}`;
  const body = output.slice(-(height - 1)).map((l): Line => [{ text: fit(l, width) }]);
  return [[{ text: fit(title, width), bold: true, color: STATE_COLOR[state] }], ...body];
}

import type { JobRecord, KinglyClient, LogEntry } from '@kingly/cmd';
import { exitCodeFor } from '@kingly/cmd/lite';
import { ExitCode } from './exit-codes.js';
import { readJobLog } from './follow-job.js';
import { interruptSignal } from './interrupt.js';
import { clip, exitText } from './output/format-job.js';
import { groupRowLines, groupSummary, noteLine, type GroupRow } from './output/group-rows.js';
import { LiveArea } from './output/live-area.js';
import { LogPrinter } from './output/log-printer.js';
import { write } from './output/write.js';

/** A job of the group and how its lines are marked. */
export interface GroupMember {
  readonly id: string;
  readonly label: string;
}

export interface FollowGroupOptions {
  /** The group id (for the summary and the hints). */
  readonly group: string;
  /** Output lines as JSON objects with the job's id and label. @default false */
  readonly json?: boolean;
  /** One row per job drawn in place (a terminal) instead of `[label] line` output. @default false */
  readonly live?: boolean;
}

/** Labels that tell jobs apart: the name (cut short), with `#2`, `#3` on repeats. */
export function memberLabels(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const label = clip(name, 30);
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label} #${n}`;
  });
}

/** How often live rows are drawn again (and records read again). */
const REDRAW_MS = 500;

/**
 * `kingly run --parallel -f`: follows every job of a group at once and returns the exit code to
 * leave with: 0 when all succeeded, else the code of the first that failed (a job cancelled by
 * fail-fast counts only when nothing else failed); 130 when the user stops following.
 */
export async function followGroup(client: KinglyClient, members: readonly GroupMember[], options: FollowGroupOptions): Promise<number> {
  const startedAt = Date.now();
  const interrupt = interruptSignal();
  const rows: GroupRow[] = members.map((m) => ({ id: m.id, label: m.label }));
  const byId = new Map(rows.map((r) => [r.id, r]));
  // One watcher for the whole group; each job's log reader hears of its end from it.
  const ends = new Map(members.map((m) => [m.id, deferred<JobRecord>()]));
  const watching = client
    .waitForJobs(
      members.map((m) => m.id),
      { signal: interrupt.signal, onEach: (record) => ends.get(record.id)?.resolve(record) },
    )
    .then((records) => ({ records }), (error: unknown) => ({ error }));

  const live = options.live ? liveRows(client, rows) : undefined;
  try {
    await Promise.all(
      members.map(async (member) => {
        const row = byId.get(member.id)!;
        const printer = live
          ? undefined
          : new LogPrinter({ json: options.json === true, linePrefix: `[${member.label}] `, jsonFields: { job: member.id, name: member.label } });
        const onEntry = (entry: LogEntry): void | Promise<void> => (printer ? printer.add(entry) : noteLine(row, entry));
        await readJobLog(client, member.id, { follow: true, onEntry, signal: interrupt.signal, ended: ends.get(member.id)!.promise });
        await printer?.flush();
      }),
    );
    if (interrupt.signal.aborted) {
      live?.stop(groupRowLines(rows));
      await note(`stopped following group ${options.group}; its jobs go on (kingly wait --group ${options.group}, kingly kill --group ${options.group})`);
      return ExitCode.INTERRUPTED;
    }
    const result = await watching;
    if ('error' in result) throw result.error;
    for (const record of result.records) byId.get(record.id)!.record = record;
    const summary = groupSummary(options.group, result.records, Date.now() - startedAt);
    if (live) live.stop([...groupRowLines(rows), '', summary]);
    else {
      for (const [i, r] of result.records.entries()) {
        if (r.state !== 'succeeded') await note(`[${members[i]!.label}] ${r.state} (exit ${exitText(r)}): kingly logs ${r.id}`);
      }
      await note(summary);
    }
    return groupExitCode(result.records);
  } finally {
    live?.stop();
    interrupt.dispose();
  }
}

/** 0 when every job succeeded; else the first real failure's code, or the first non-success's. */
export function groupExitCode(records: readonly JobRecord[]): number {
  const failed = records.filter((r) => r.state !== 'succeeded');
  if (failed.length === 0) return ExitCode.OK;
  return exitCodeFor(failed.find((r) => r.state !== 'cancelled') ?? failed[0]!);
}

/**
 * Draws the rows in place every REDRAW_MS, with the records read again (state, CPU, RSS);
 * `stop(lines)` draws those last and ends the drawing.
 */
function liveRows(client: KinglyClient, rows: GroupRow[]): { stop: (last?: string[]) => void } {
  const area = new LiveArea(process.stdout);
  let stopped = false;
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    // Cannot reject: each lookup's error is caught (the row keeps its last record until the next read).
    void Promise.all(rows.map((r) => client.findJob(r.id).catch(() => undefined))).then((records) => {
      reading = false;
      records.forEach((record, i) => {
        if (record) rows[i]!.record = record;
      });
      if (!stopped) area.render(groupRowLines(rows));
    });
  }, REDRAW_MS);
  area.render(groupRowLines(rows));
  return {
    stop(last) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (last) area.render(last);
      area.close();
    },
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const note = (text: string): Promise<void> => write(process.stderr, `[kingly] ${text}\n`);

import type { LifecycleEvent, LifecycleType } from './schemas/lifecycle-event.js';
import type { JobRecord } from './schemas/job-record.js';
import type { JobState } from './schemas/job-state.js';

/** Stream fields of one lifecycle event. The full record rides along on `finished`. */
export function eventFields(type: LifecycleType, record: JobRecord): Record<string, string> {
  const fields: Record<string, string> = { type, job: record.id, queue: record.queue, name: record.name, state: record.state };
  if (record.exitCode !== null) fields.exit = String(record.exitCode);
  if (record.durationMs !== null) fields.dur = String(record.durationMs);
  if (record.peakRssBytes !== null) fields.rss = String(record.peakRssBytes);
  if (type === 'finished') fields.record = JSON.stringify(record);
  return fields;
}

const numOrNull = (v: string | undefined): number | null => (v === undefined ? null : Number(v));

/** Parses one XREAD/XRANGE entry of the events stream. */
export function parseEvent(id: string, flat: string[]): LifecycleEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  return {
    id,
    type: f.type as LifecycleType,
    jobId: f.job ?? '',
    queue: f.queue ?? '',
    name: f.name ?? null,
    state: (f.state ?? 'queued') as JobState,
    exitCode: numOrNull(f.exit),
    durationMs: numOrNull(f.dur),
    peakRssBytes: numOrNull(f.rss),
    at: Number(id.split('-')[0]),
    record: f.record ? (JSON.parse(f.record) as JobRecord) : null,
  };
}

import type { JobRecord } from './job-record.js';
import type { JobState } from './job-state.js';

export type LifecycleType = 'queued' | 'started' | 'finished';

/** One entry of the events stream. `record` is present on `finished`. */
export interface LifecycleEvent {
  /** Stream id; pass it back as `since` to catch up from here. */
  readonly id: string;
  readonly type: LifecycleType;
  readonly jobId: string;
  readonly queue: string;
  readonly name: string | null;
  readonly state: JobState;
  readonly exitCode: number | null;
  readonly durationMs: number | null;
  readonly peakRssBytes: number | null;
  /** When the event was written, ms since the epoch (from the stream id). */
  readonly at: number;
  readonly record: JobRecord | null;
}

import type { LifecycleEvent } from '@kingly/cmd';
import { formatBytes, formatDuration } from '@kingly/cmd/lite';
import { clip } from './format-job.js';

const dash = '-';

/**
 * One event as `kingly events` prints it: time, type, job id, name, state, exit code, duration,
 * peak RSS (a dash for what it does not have).
 */
export function eventLine(e: LifecycleEvent): string {
  return [
    new Date(e.at).toISOString(),
    e.type.padEnd(8),
    e.jobId,
    clip(e.name ?? dash, 30).padEnd(30),
    e.state.padEnd(12),
    (e.exitCode === null ? (e.record?.signal ?? dash) : `exit ${e.exitCode}`).padEnd(8),
    (e.durationMs === null ? dash : formatDuration(e.durationMs)).padEnd(7),
    e.peakRssBytes === null ? dash : `peak ${formatBytes(e.peakRssBytes)}`,
  ]
    .join('  ')
    .trimEnd();
}

// The job system's own table: one JSON file, written whole to a temporary file and renamed over
// the old one, so a crash leaves either the old table or the new one, never half of it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** How many applied event ids the table remembers (the events stream keeps ~100,000 events). */
const REMEMBERED_EVENTS = 200_000;

export class JobTable {
  /** @param {string} path */
  constructor(path) {
    this.path = path;
    this.data = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : { jobs: {}, appliedEvents: [], duplicatesSkipped: 0 };
    this.applied = new Set(this.data.appliedEvents);
  }

  /** Jobs the job system has submitted, before they run. */
  addQueued(jobs) {
    for (const { id, command } of jobs) this.data.jobs[id] ??= { command, status: 'queued' };
    this.save();
  }

  /**
   * Applies one completion unless its event id was applied before (a redelivery after a crash
   * between saving and acknowledging). The row and the event id are saved in one write.
   * @returns {boolean} false for a repeat
   */
  applyOnce(eventId, record) {
    if (this.applied.has(eventId)) {
      this.data.duplicatesSkipped += 1;
      this.save();
      return false;
    }
    this.data.jobs[record.id] = {
      ...this.data.jobs[record.id],
      command: record.command,
      status: record.state,
      exitCode: record.exitCode,
      durationMs: record.durationMs,
      finishedAt: record.finishedAt,
      eventId,
    };
    this.applied.add(eventId);
    this.data.appliedEvents.push(eventId);
    if (this.data.appliedEvents.length > REMEMBERED_EVENTS) this.applied.delete(this.data.appliedEvents.shift());
    this.save();
    return true;
  }

  save() {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}

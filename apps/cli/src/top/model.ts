import type { JobRecord, KinglyClient, StatusReport, WorkerInfo } from '@kingly/cmd';
import { isTerminalState } from '@kingly/cmd/lite';

/** Points of CPU and RSS kept per running job for its sparklines. */
export const HISTORY_POINTS = 40;
/** Finished jobs listed under RECENT. */
const RECENT = 30;

/** A running job as `kingly top` shows it: its record and its recent CPU and RSS. */
export interface RunningRow {
  readonly record: JobRecord;
  readonly cpu: readonly number[];
  readonly rss: readonly number[];
}

/** One refresh of everything the dashboard shows. */
export interface TopSnapshot {
  readonly at: number;
  readonly counts: StatusReport['counts'];
  readonly workers: readonly WorkerInfo[];
  readonly running: readonly RunningRow[];
  readonly recent: readonly JobRecord[];
}

/**
 * Reads the dashboard's data through the same client calls as `kingly status` (status, then the
 * newest jobs for RECENT), and keeps each running job's recent CPU and RSS: seeded from its stored
 * history (GET /api/jobs/:id/samples' source) when first seen, then one point a refresh.
 */
export class TopModel {
  readonly #client: KinglyClient;
  readonly #history = new Map<string, { cpu: number[]; rss: number[] }>();

  constructor(client: KinglyClient) {
    this.#client = client;
  }

  async refresh(): Promise<TopSnapshot> {
    const [status, newest] = await Promise.all([this.#client.status(), this.#client.listJobs({ limit: RECENT * 2 })]);
    const running: RunningRow[] = [];
    for (const record of status.running) running.push({ record, ...(await this.#track(record)) });
    for (const id of this.#history.keys()) if (!status.running.some((r) => r.id === id)) this.#history.delete(id);
    const recent = newest.filter((r) => isTerminalState(r.state)).slice(0, RECENT);
    return { at: Date.now(), counts: status.counts, workers: status.workers, running, recent };
  }

  async #track(record: JobRecord): Promise<{ cpu: number[]; rss: number[] }> {
    let history = this.#history.get(record.id);
    if (!history) {
      const samples = await this.#client.getSamples(record.id).catch(() => []);
      const last = samples.slice(-HISTORY_POINTS);
      history = { cpu: last.map((s) => s.cpuPercent), rss: last.map((s) => s.rssBytes) };
      this.#history.set(record.id, history);
    } else if (record.cpuPercent !== null && record.rssBytes !== null) {
      history.cpu.push(record.cpuPercent);
      history.rss.push(record.rssBytes);
      if (history.cpu.length > HISTORY_POINTS) history.cpu.shift();
      if (history.rss.length > HISTORY_POINTS) history.rss.shift();
    }
    return { cpu: [...history.cpu], rss: [...history.rss] };
  }
}

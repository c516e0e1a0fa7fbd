import type { HostQueueStatus, StatusReport, WebhookStatus } from '@kingly/cmd';
import { ago, clip, FAILURE_TABLE_HEAD, failureRow, RUNNING_TABLE_HEAD, runningRow, WORKER_TABLE_HEAD, workerRow } from './format-job.js';
import { paintState } from './colour.js';
import { formatTable } from './table.js';

/** `kingly status` as text: counts, workers, running jobs with their live figures, recent failures. */
export function statusText(report: Omit<StatusReport, 'hostQueues'> & { readonly hostQueues: ReadonlyArray<HostQueueStatus & { readonly paused?: boolean }> }, now = Date.now()): string {
  const counts = Object.entries(report.counts)
    .filter(([state, n]) => n > 0 || state === 'queued' || state === 'running')
    .map(([state, n]) => (n > 0 ? paintState(state, `${state} ${n}`) : `${state} ${n}`))
    .join(', ');
  const sections = [`jobs: ${counts}\n`];
  const dead = report.workers.filter((w) => !w.alive).length;
  if (report.workers.length === 0 || dead === report.workers.length) {
    sections.push('no worker is running (start one with: kingly worker)\n');
  }
  if (report.workers.length > 0) {
    const title = `workers: ${report.workers.length - dead} alive${dead > 0 ? `, ${dead} dead` : ''}\n`;
    sections.push(title + formatTable(WORKER_TABLE_HEAD, report.workers.map((w) => workerRow(w, now))));
  }
  if (report.running.length > 0) {
    sections.push(`running jobs:\n${formatTable(RUNNING_TABLE_HEAD, report.running.map((r) => runningRow(r, now)))}`);
  }
  // Agent streams (kingly parallel) among them, with what they have cost so far.
  const agents = report.running.filter((r) => r.agent !== null);
  if (agents.length > 0) {
    const cost = agents.reduce((n, r) => n + (r.agent?.costUsd ?? 0), 0);
    sections.push(`agents: ${agents.length} running, ${agents.reduce((n, r) => n + (r.agent?.turns ?? 0), 0)} turns, $${cost.toFixed(4)} so far (kingly parallel list)\n`);
  }
  if (report.counts.queued > 0) sections.push(`queued: ${report.counts.queued} job(s) waiting for a worker\n`);
  // Jobs sent to one host (kingly run --host): a worker of that host takes them.
  if (report.hostQueues.length > 0) {
    const lines = report.hostQueues.map((q) => `  ${q.queue}  queued ${q.queued}, running ${q.running}${q.paused ? ', PAUSED' : ''}\n`);
    sections.push(`host queues:\n${lines.join('')}`);
  }
  if (report.recentFailures.length > 0) {
    sections.push(`recent failures:\n${formatTable(FAILURE_TABLE_HEAD, report.recentFailures.map((r) => failureRow(r, now)))}`);
  }
  if (report.webhooks.length > 0) sections.push(`webhooks:\n${report.webhooks.map((w) => webhookLine(w, now)).join('')}`);
  return sections.join('\n');
}

/** One webhook: its counts, and the last failure while it is failing (or when events were given up). */
function webhookLine(w: WebhookStatus, now: number): string {
  const failing = w.consecutiveFailures > 0;
  const counts = `delivered ${w.delivered}, failed attempts ${w.failed}${w.dropped > 0 ? `, given up ${w.dropped}` : ''}`;
  const when = w.lastFailureAt === null ? '' : ` (${ago(w.lastFailureAt, now)})`;
  const last = (failing || w.dropped > 0) && w.lastFailure !== null ? `; ${failing ? `FAILING (${w.consecutiveFailures} in a row)` : 'last failure'}: ${clip(w.lastFailure, 120)}${when}` : '';
  return `  ${w.url}  ${counts}${last}\n`;
}

// The Workers and Running tables, kept current by the page's event stream (samples, workers).
import { $, button, cell, jobCell } from './dom.js';
import { bytes, count, duration, percent, title } from './format.js';
import { kill } from './kill.js';
import { openOutput } from './output.js';
import { draw, remember, sparkline } from './sparkline.js';

const running = new Map(); // id → record, with the latest sample merged in
const cpuHistory = new Map(); // id → the last CPU % figures heard live
let workers = []; // as the last `workers` event said

export function setSnapshot(status) {
  running.clear();
  for (const job of status.running) running.set(job.id, job);
  workers = status.workers;
  renderRunning();
}

export function setWorkers(list) {
  workers = list;
  renderWorkers();
}

export function jobStarted(record) {
  running.set(record.id, { ...running.get(record.id), ...record });
  renderRunning();
}

export function jobEnded(id) {
  if (running.delete(id)) renderRunning();
}

export function sample(s) {
  const job = running.get(s.jobId);
  if (!job) return;
  for (const key of ['pid', 'cpuPercent', 'rssBytes', 'processCount', 'peakRssBytes']) {
    if (s[key] !== undefined) job[key] = s[key];
  }
  if (s.cpuPercent !== undefined) cpuHistory.set(s.jobId, remember(cpuHistory.get(s.jobId) ?? [], s.cpuPercent));
  renderRunning();
}

export function renderRunning() {
  const body = $('running').tBodies[0];
  for (const row of [...body.rows]) if (!running.has(row.dataset.job)) row.remove();
  for (const id of cpuHistory.keys()) if (!running.has(id)) cpuHistory.delete(id);
  const now = Date.now();
  for (const job of running.values()) {
    let row = body.querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.job = job.id;
      body.prepend(row);
    }
    jobCell(row, job);
    cell(row, 'command', title(job)).title = job.command;
    cell(row, 'pid num', count(job.pid));
    cell(row, 'cpu num', percent(job.cpuPercent));
    cell(row, 'rss num', bytes(job.rssBytes));
    cell(row, 'procs num', count(job.processCount));
    const trend = cell(row, 'trend', '');
    if (!trend.firstChild) trend.append(sparkline());
    draw(trend.firstChild, cpuHistory.get(job.id) ?? []);
    cell(row, 'elapsed num', job.startedAt ? duration(now - Date.parse(job.startedAt)) : '–');
    const actions = cell(row, 'actions', '');
    if (!actions.firstChild) {
      actions.append(
        button('Output', 'show-log', () => openOutput(running.get(job.id) ?? job)),
        button('Kill', 'kill danger', (e) => void kill(running.get(job.id) ?? job, e.currentTarget)),
      );
    }
  }
  $('running-empty').hidden = running.size > 0;
  $('running-count').textContent = running.size ? String(running.size) : '';
  renderWorkers();
}

function renderWorkers() {
  const body = $('workers').tBodies[0];
  body.replaceChildren();
  // Jobs per worker from the running table (live), not the heartbeat (every few seconds).
  const busy = new Map();
  for (const job of running.values()) busy.set(job.workerId, (busy.get(job.workerId) ?? 0) + 1);
  for (const w of workers) {
    const row = document.createElement('tr');
    row.dataset.worker = w.id;
    cell(row, 'id', w.id);
    cell(row, 'host', w.host);
    cell(row, 'pid num', String(w.pid));
    cell(row, 'queue', w.queue);
    cell(row, 'running num', `${busy.get(w.id) ?? 0} / ${w.concurrency}`);
    const alive = w.alive ?? !w.stale;
    cell(row, `state ${alive ? 'alive' : 'dead'}`, alive ? 'alive' : 'gone');
    body.append(row);
  }
  $('workers-empty').hidden = workers.length > 0;
  $('worker-count').textContent = workers.length ? String(workers.filter((w) => w.alive ?? !w.stale).length) : '';
}

// Elapsed times tick while something runs.
setInterval(() => {
  if (running.size > 0) renderRunning();
}, 1000);

// kingly live page: one event stream (/api/events with samples and workers) keeps the tables
// current; nothing is polled. Every value is written with textContent, never as HTML.

const FINISHED_SHOWN = 30;
const LOG_LINES_SHOWN = 1000;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed-out', 'memory-limit', 'spawn-failed', 'worker-lost']);

const running = new Map(); // id → record, with the latest sample merged in
const finished = new Map(); // id → record, newest first
let workers = []; // as the last `workers` event said
let logSource = null;

const $ = (id) => document.getElementById(id);

// ---- formatting ----
const bytes = (n) => {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
};
const duration = (ms) => {
  if (ms === null || ms === undefined) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};
const percent = (n) => (n === null || n === undefined ? '–' : `${n.toFixed(1)} %`);
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');

// ---- talking to the API ----
async function api(path, init = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } });
  if (response.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new Error('not logged in');
  }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body?.message ?? `HTTP ${response.status}`);
  return body;
}

function notify(text) {
  const notice = $('notice');
  notice.textContent = text;
  notice.hidden = !text;
}

// ---- rendering ----
// The cell of `row` whose first class is the first of `className`, made on first use.
function cell(row, className, text) {
  const key = className.split(' ')[0];
  let td = row.querySelector(`td.${key}`);
  if (!td) {
    td = document.createElement('td');
    row.append(td);
  }
  if (td.className !== className) td.className = className;
  if (text !== '' && td.textContent !== text) td.textContent = text;
  return td;
}

function link(text, href) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

const title = (job) => (job.name && job.name !== job.command ? `${job.name}: ${job.command}` : job.command);
const boardLink = (job) => `/board/queue/${encodeURIComponent(job.queue)}/${encodeURIComponent(job.id)}`;

function jobCell(row, job) {
  const td = cell(row, 'job', '');
  if (!td.firstChild) td.append(link(job.id, boardLink(job)));
}

function renderRunning() {
  const body = $('running').tBodies[0];
  for (const row of [...body.rows]) if (!running.has(row.dataset.job)) row.remove();
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
    cell(row, 'pid num', job.pid === null || job.pid === undefined ? '–' : String(job.pid));
    cell(row, 'cpu num', percent(job.cpuPercent));
    cell(row, 'rss num', bytes(job.rssBytes));
    cell(row, 'procs num', job.processCount === null || job.processCount === undefined ? '–' : String(job.processCount));
    cell(row, 'elapsed num', job.startedAt ? duration(now - Date.parse(job.startedAt)) : '–');
    const actions = cell(row, 'actions', '');
    if (!actions.firstChild) {
      actions.append(button('Output', 'show-log', () => showLog(job.id)), button('Kill', 'kill danger', (e) => kill(job.id, e.currentTarget)));
    }
  }
  $('running-empty').hidden = running.size > 0;
  $('running-count').textContent = running.size ? String(running.size) : '';
  renderWorkers();
}

function renderFinished() {
  const body = $('finished').tBodies[0];
  body.replaceChildren();
  for (const job of finished.values()) {
    const row = document.createElement('tr');
    row.dataset.job = job.id;
    jobCell(row, job);
    cell(row, 'command', title(job)).title = job.command;
    const outcome = cell(row, 'outcome', job.state);
    outcome.classList.add(`state-${job.state}`);
    if (job.reason) outcome.title = job.reason;
    cell(row, 'exit num', job.exitCode === null ? (job.signal ?? '–') : String(job.exitCode));
    cell(row, 'duration num', duration(job.durationMs));
    cell(row, 'peak num', bytes(job.peakRssBytes));
    cell(row, 'ended', time(job.finishedAt));
    cell(row, 'actions', '').append(button('Output', 'show-log', () => showLog(job.id)));
    body.append(row);
  }
  $('finished-empty').hidden = finished.size > 0;
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

function addFinished(record) {
  running.delete(record.id);
  finished.delete(record.id);
  const rest = [...finished.values()];
  finished.clear();
  for (const job of [record, ...rest].slice(0, FINISHED_SHOWN)) finished.set(job.id, job);
}

// ---- live updates ----
async function loadSnapshot() {
  const [status, jobs] = await Promise.all([api('/api/status'), api(`/api/jobs?limit=${FINISHED_SHOWN}`)]);
  running.clear();
  for (const job of status.running) running.set(job.id, job);
  finished.clear();
  for (const job of jobs.jobs) if (TERMINAL.has(job.state)) finished.set(job.id, job);
  workers = status.workers;
  renderRunning();
  renderFinished();
}

async function onLifecycle(event) {
  if (event.type === 'finished' && event.record) {
    addFinished(event.record);
    renderRunning();
    renderFinished();
  } else if (event.type === 'started') {
    const record = await api(`/api/jobs/${encodeURIComponent(event.jobId)}`).catch(() => null);
    if (record && record.state === 'running') {
      running.set(record.id, { ...running.get(record.id), ...record });
      renderRunning();
    }
  }
}

function onSample(sample) {
  const job = running.get(sample.jobId);
  if (!job) return;
  for (const key of ['pid', 'cpuPercent', 'rssBytes', 'processCount', 'peakRssBytes']) {
    if (sample[key] !== undefined) job[key] = sample[key];
  }
  renderRunning();
}

function connect() {
  const connection = $('connection');
  const events = new EventSource('/api/events?include=samples,workers');
  events.addEventListener('ready', () => {
    connection.textContent = 'live';
    connection.className = 'connection live';
    loadSnapshot().catch((error) => notify(`Could not load the current state: ${error.message}`));
  });
  events.addEventListener('lifecycle', (e) => void onLifecycle(JSON.parse(e.data)));
  events.addEventListener('sample', (e) => onSample(JSON.parse(e.data)));
  events.addEventListener('workers', (e) => {
    workers = JSON.parse(e.data);
    renderWorkers();
  });
  events.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'connection down';
    if (events.readyState === EventSource.CLOSED) {
      // The server refused the stream (logged out?): ask it why, then try again.
      api('/api/status').catch(() => {});
      setTimeout(connect, 5000);
    }
  });
}

// ---- actions ----
async function kill(id, target) {
  target.disabled = true;
  target.textContent = 'Killing…';
  try {
    await api(`/api/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch (error) {
    target.disabled = false;
    target.textContent = 'Kill';
    notify(`Could not kill ${id}: ${error.message}`);
  }
}

function showLog(id) {
  logSource?.close();
  const pre = $('log');
  pre.replaceChildren();
  $('log-job').textContent = id;
  $('log-state').textContent = 'following';
  $('log-panel').hidden = false;
  logSource = new EventSource(`/api/jobs/${encodeURIComponent(id)}/logs?follow=1&tail=200`);
  logSource.addEventListener('log', (e) => {
    const entry = JSON.parse(e.data);
    const line = document.createElement('span');
    line.className = `line ${entry.stream}`;
    line.textContent = `${entry.line}\n`;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(line);
    while (pre.childElementCount > LOG_LINES_SHOWN) pre.firstElementChild.remove();
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  });
  logSource.addEventListener('end', (e) => {
    const record = JSON.parse(e.data);
    $('log-state').textContent = `ended: ${record.state}`;
    logSource.close();
    logSource = null;
  });
}

$('log-close').addEventListener('click', () => {
  logSource?.close();
  logSource = null;
  $('log-panel').hidden = true;
});

setInterval(() => {
  if (running.size > 0) renderRunning();
}, 1000);

connect();

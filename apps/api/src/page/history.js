// The Jobs table: every job newest first (queued, running and finished), filtered by state, queue,
// group and name, one page at a time from the JobStore's index; "Older" asks for the page before
// the last row. Live events merge new and changed jobs in; the table never holds more than
// MAX_ROWS rows (the oldest drop off and are one "Older" away again).
import { $, api, button, cell, jobCell, notify } from './dom.js';
import { bytes, duration, KILLABLE, TERMINAL, time, title } from './format.js';
import { kill } from './kill.js';
import { openOutput } from './output.js';

const PAGE = 50;
const MAX_ROWS = 500;
const FILTERS = ['state', 'queue', 'group', 'name'];

const shown = new Map(); // id → record, in table order (newest first)
let filters = {};
let hasOlder = false;
// Bumped when the list starts over (new filters): answers to requests made before are dropped.
let generation = 0;

const body = () => $('jobs').tBodies[0];
const rowOf = (id) => body().querySelector(`tr[data-job="${CSS.escape(id)}"]`);
/** Newest first: by creation time, then id (as the index orders them). */
const newer = (a, b) => (a.createdAt ?? '') > (b.createdAt ?? '') || ((a.createdAt ?? '') === (b.createdAt ?? '') && a.id > b.id);

function url(before) {
  const params = new URLSearchParams();
  for (const key of FILTERS) if (filters[key]) params.set(key, filters[key]);
  params.set('limit', String(PAGE));
  if (before) params.set('before', before);
  return `/api/jobs?${params}`;
}

const matches = (job) => FILTERS.every((key) => !filters[key] || job[key] === filters[key]);

function fill(row, job) {
  jobCell(row, job);
  cell(row, 'command', title(job)).title = job.command;
  const state = cell(row, `state state-${job.state}`, job.state);
  state.title = job.reason ?? '';
  cell(row, 'exit num', job.exitCode === null || job.exitCode === undefined ? (job.signal ?? '–') : String(job.exitCode));
  cell(row, 'duration num', duration(job.durationMs));
  cell(row, 'peak num', bytes(job.peakRssBytes));
  cell(row, 'created', time(job.createdAt));
  const actions = cell(row, 'actions', '');
  const killable = KILLABLE.has(job.state);
  if (!actions.firstChild) actions.append(button('Output', 'show-log', () => openOutput(shown.get(job.id) ?? job)));
  const killButton = actions.querySelector('button.kill');
  if (killable && !killButton) actions.append(button('Kill', 'kill danger', (e) => void kill(shown.get(job.id) ?? job, e.currentTarget)));
  if (!killable) killButton?.remove();
}

function makeRow(job) {
  const row = document.createElement('tr');
  row.dataset.job = job.id;
  fill(row, job);
  return row;
}

function footer() {
  $('older').hidden = !hasOlder;
  $('jobs-empty').hidden = shown.size > 0;
  $('jobs-shown').textContent = shown.size ? `${shown.size} shown${hasOlder ? ', more older' : ''}` : '';
}

/** Drops the oldest rows past MAX_ROWS. */
function trim() {
  const rows = body().rows;
  while (rows.length > MAX_ROWS) {
    const last = rows[rows.length - 1];
    shown.delete(last.dataset.job);
    last.remove();
    hasOlder = true;
  }
}

function appendPage(page) {
  const fragment = document.createDocumentFragment();
  for (const job of page.jobs) {
    if (shown.has(job.id)) continue;
    shown.set(job.id, job);
    fragment.append(makeRow(job));
  }
  body().append(fragment);
  hasOlder = page.nextCursor !== null;
  footer();
}

/** The first page again, from scratch (filters changed, or the live feed reconnected). */
export async function reload() {
  const mine = ++generation;
  const page = await api(url());
  if (mine !== generation) return;
  shown.clear();
  body().replaceChildren();
  appendPage(page);
}

async function loadOlder() {
  const rows = body().rows;
  const last = rows[rows.length - 1]?.dataset.job;
  const target = $('older');
  target.disabled = true;
  const mine = generation;
  try {
    const page = await api(url(last));
    if (mine === generation) appendPage(page);
  } catch (error) {
    notify(`Could not load older jobs: ${error.message}`);
  } finally {
    target.disabled = false;
  }
}

/** Puts the newest page's jobs where they belong among the rows (new ones in their place, known ones updated). */
function merge(jobs) {
  const known = jobs.filter((j) => shown.has(j.id)).length;
  if (known === 0 && jobs.length === PAGE && shown.size > 0) {
    void reload(); // more new jobs than a page since the last look: the rows would have a gap
    return;
  }
  const rows = [...body().rows];
  const last = shown.get(rows[rows.length - 1]?.dataset.job ?? '');
  for (const job of jobs) {
    if (shown.has(job.id)) {
      update(job);
      continue;
    }
    if (hasOlder && last && !newer(job, last)) continue; // it belongs to a page not loaded
    const before = [...body().rows].find((r) => newer(job, shown.get(r.dataset.job)));
    shown.set(job.id, job);
    body().insertBefore(makeRow(job), before ?? null);
  }
  trim();
  footer();
}

let headBusy = false;
let headAgain = false;
/** Reads the newest page and merges it; bursts of events cost one request in flight and one after. */
function refreshHead() {
  if (headBusy) {
    headAgain = true;
    return;
  }
  headBusy = true;
  const mine = generation;
  api(url())
    .then((page) => {
      if (mine === generation) merge(page.jobs);
    })
    .catch((error) => notify(`Could not refresh the jobs: ${error.message}`))
    .finally(() => {
      headBusy = false;
      if (headAgain) {
        headAgain = false;
        refreshHead();
      }
    });
}

function update(job) {
  const record = { ...shown.get(job.id), ...job };
  if (!matches(record)) {
    shown.delete(job.id);
    rowOf(job.id)?.remove();
    footer();
    return;
  }
  shown.set(job.id, record);
  const row = rowOf(job.id);
  if (row) fill(row, record);
}

/**
 * A lifecycle event from the page's event stream. A job not shown may belong at the top: a new one
 * (queued; started, for a plain BullMQ job whose record the worker made), or one that has just
 * come into the state the list is filtered by. Older jobs are left to "Older".
 */
export function lifecycle(event) {
  const record = event.record ?? { id: event.jobId, queue: event.queue, name: event.name, state: event.state };
  if (shown.has(event.jobId)) {
    update(event.type === 'finished' ? record : { id: event.jobId, state: event.state });
    return;
  }
  const arrives = event.type !== 'finished' || filters.state === event.state;
  // The event does not name the group: the request filters by it.
  if (arrives && matches({ ...record, group: record.group ?? filters.group })) refreshHead();
}

function readFilters() {
  const form = $('filters');
  const next = {};
  for (const key of FILTERS) {
    const value = form.elements[key].value.trim();
    if (value) next[key] = value;
  }
  return next;
}

$('filters').addEventListener('submit', (e) => {
  e.preventDefault();
  filters = readFilters();
  reload().then(() => notify(''), (error) => notify(`Could not list the jobs: ${error.message}`));
});
$('filters').addEventListener('reset', () => {
  filters = {};
  reload().then(() => notify(''), (error) => notify(`Could not list the jobs: ${error.message}`));
});
$('filters').elements.state.addEventListener('change', () => $('filters').requestSubmit());
$('older').addEventListener('click', () => void loadOlder());

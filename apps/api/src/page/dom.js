// Small DOM and fetch helpers. Every value is written with textContent, never as HTML.

export const $ = (id) => document.getElementById(id);

/** Labels shown before a cell's value when a table is laid out as cards (narrow screens). */
const LABELS = {
  job: 'Job', command: 'Command', pid: 'PID', cpu: 'CPU', rss: 'RSS', procs: 'Procs', elapsed: 'Elapsed',
  state: 'State', exit: 'Exit', duration: 'Duration', peak: 'Peak RSS', created: 'Created', queue: 'Queue',
  id: 'Worker', host: 'Host', running: 'Running', trend: 'CPU, last minute',
};

/** The cell of `row` whose first class is the first of `className`, made on first use. */
export function cell(row, className, text) {
  const key = className.split(' ')[0];
  let td = row.querySelector(`td.${key}`);
  if (!td) {
    td = document.createElement('td');
    if (LABELS[key]) td.dataset.label = LABELS[key];
    row.append(td);
  }
  if (td.className !== className) td.className = className;
  if (text !== '' && td.textContent !== text) td.textContent = text;
  return td;
}

export function link(text, href) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

export function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

export const boardLink = (job) => `/board/queue/${encodeURIComponent(job.queue)}/${encodeURIComponent(job.id)}`;

/** The job id cell: a link to the job in Bull Board. */
export function jobCell(row, job) {
  const td = cell(row, 'job', '');
  if (!td.firstChild) td.append(link(job.id, boardLink(job)));
}

/** JSON from the API with the session cookie; a lost session goes back to the login page. */
export async function api(path, init = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } });
  if (response.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new Error('not logged in');
  }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const error = new Error(body?.message ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

export function notify(text) {
  const notice = $('notice');
  notice.textContent = text;
  notice.hidden = !text;
}

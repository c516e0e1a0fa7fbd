// kingly live page: one event stream (/api/events with samples and workers) keeps the tables
// current; nothing is polled. Every value is written with textContent, never as HTML.
import { $, api, notify } from './dom.js';
import * as history from './history.js';
import { outputRecord, outputSample } from './output.js';
import * as running from './running.js';

async function loadSnapshot() {
  const [status] = await Promise.all([api('/api/status'), history.reload()]);
  running.setSnapshot(status);
}

async function onLifecycle(event) {
  history.lifecycle(event);
  if (event.type === 'finished' && event.record) {
    running.jobEnded(event.jobId);
    outputRecord(event.record);
  } else if (event.type === 'started') {
    const record = await api(`/api/jobs/${encodeURIComponent(event.jobId)}`).catch(() => null);
    if (record && record.state === 'running') {
      running.jobStarted(record);
      outputRecord(record);
    }
  }
}

function connect() {
  const connection = $('connection');
  const events = new EventSource('/api/events?include=samples,workers');
  events.addEventListener('ready', () => {
    connection.textContent = 'live';
    connection.className = 'connection live';
    loadSnapshot().then(() => notify(''), (error) => notify(`Could not load the current state: ${error.message}`));
  });
  events.addEventListener('lifecycle', (e) => void onLifecycle(JSON.parse(e.data)));
  events.addEventListener('sample', (e) => {
    const sample = JSON.parse(e.data);
    running.sample(sample);
    outputSample(sample);
  });
  events.addEventListener('workers', (e) => running.setWorkers(JSON.parse(e.data)));
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

connect();

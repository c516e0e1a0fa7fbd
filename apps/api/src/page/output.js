// The output panel: one job's command, state, resource chart and live output. A side panel on a
// wide screen, the whole screen on a phone; position: fixed, so it is in view wherever the page
// was scrolled to.
import { ansiConverter } from './ansi.js';
import { createChart } from './chart.js';
import { $, api, button } from './dom.js';
import { KILLABLE, TERMINAL, title, tokens, usd } from './format.js';
import { kill } from './kill.js';

const LOG_LINES_SHOWN = 1000;
const TAIL = 200;
/** An agent job's record is read again at most this often while it runs (its figures change with its output). */
const AGENT_REFRESH_MS = 2000;

let current = null; // { id, record, source, lastId: of the last line shown, chart, waiting: samples before the chart exists, ansi }

function streamState(text, className = '') {
  const el = $('output-stream');
  el.textContent = text;
  el.className = `connection ${className}`;
}

/** An agent job's figures: model, turns, tokens, cost, its last action and, at the end, its result. */
function showAgent(agent) {
  const el = $('output-agent');
  el.hidden = !agent;
  if (!agent) return;
  const line = (label, text) => {
    const p = document.createElement('p');
    const b = document.createElement('span');
    b.className = 'muted';
    b.textContent = `${label} `;
    p.append(b, text);
    return p;
  };
  const figures = [agent.model, `${agent.turns} turn${agent.turns === 1 ? '' : 's'}`, `${tokens(agent.inputTokens)} in / ${tokens(agent.outputTokens)} out tokens`, usd(agent.costUsd)];
  const lines = [line(`agent ${agent.name}`, figures.filter(Boolean).join(' · '))];
  if (agent.lastTool) lines.push(line('last action', agent.lastTool));
  if (agent.result) lines.push(line(`result ${agent.result.subtype}`, agent.result.text));
  else if (agent.lastText) lines.push(line('last said', agent.lastText));
  el.replaceChildren(...lines);
}

function showRecord(record) {
  if (!current) return;
  current.record = { ...current.record, ...record };
  const job = current.record;
  $('output-job').textContent = job.id;
  $('output-command').textContent = title(job);
  const state = $('output-state');
  state.textContent = job.state;
  state.className = `state state-${job.state}`;
  showAgent(job.agent);
  const actions = $('output-actions');
  actions.replaceChildren();
  if (KILLABLE.has(job.state)) actions.append(button('Kill', 'kill danger', (e) => void kill(current.record, e.currentTarget)));
}

function appendLine(entry) {
  const pre = $('log');
  const line = document.createElement('span');
  line.className = `line ${entry.stream}`;
  line.append(current.ansi(entry.line), '\n');
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(line);
  while (pre.childElementCount > LOG_LINES_SHOWN) pre.firstElementChild.remove();
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

const RETRY_MS = 3000;

/** Follows the log from the start of its tail, or after `from` (the last line shown). */
function follow(panel, from) {
  if (!from) streamState('connecting…');
  const query = from ? `from=${encodeURIComponent(from)}` : `tail=${TAIL}`;
  // After a network drop the browser reconnects by itself and resumes after the last line
  // (Last-Event-ID); a refused reconnect (the API restarting) closes the source, and a new one
  // resumes from the last line seen.
  const source = new EventSource(`/api/jobs/${encodeURIComponent(panel.id)}/logs?follow=1&${query}`);
  panel.source = source;
  source.addEventListener('open', () => streamState('following', 'live'));
  source.addEventListener('log', (e) => {
    panel.lastId = e.lastEventId || panel.lastId;
    appendLine(JSON.parse(e.data));
  });
  source.addEventListener('end', (e) => {
    showRecord(JSON.parse(e.data));
    streamState('ended');
    source.close();
  });
  source.addEventListener('error', (e) => {
    if (e.data) {
      // The API's own error event (the job is gone): trying again will not help.
      streamState(`error: ${JSON.parse(e.data).message ?? 'unknown'}`, 'down');
      source.close();
      return;
    }
    streamState('reconnecting…', 'down');
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(() => {
        if (current === panel && panel.source === source) follow(panel, panel.lastId ?? '0');
      }, RETRY_MS);
    }
  });
}

async function loadChart(panel) {
  let samples;
  try {
    ({ samples } = await api(`/api/jobs/${encodeURIComponent(panel.id)}/samples`));
  } catch {
    return; // no history for this job (or none kept): the panel has no chart
  }
  if (panel !== current || (samples.length === 0 && TERMINAL.has(panel.record.state))) return;
  $('output-chart').hidden = false;
  panel.chart = createChart($('output-plot'), samples);
  for (const s of panel.waiting) panel.chart.add(s.at, s.cpuPercent, s.rssBytes);
  panel.waiting = [];
}

export function closeOutput() {
  if (!current) return;
  current.source?.close();
  current.chart?.destroy();
  current = null;
  $('output').hidden = true;
  $('output-chart').hidden = true;
  document.body.classList.remove('output-open');
}

/** Opens the panel on `job` (a record) and follows its output. */
export function openOutput(job) {
  closeOutput();
  current = { id: job.id, record: job, source: null, lastId: null, chart: null, waiting: [], ansi: ansiConverter(), agentReadAt: 0 };
  $('log').replaceChildren();
  showRecord(job);
  $('output').hidden = false;
  document.body.classList.add('output-open');
  $('output-close').focus();
  follow(current);
  void loadChart(current);
}

/** A live sample from the page's event stream: a point on the chart of the open job. */
export function outputSample(sample) {
  if (!current || sample.jobId !== current.id || sample.cpuPercent === undefined) return;
  const panel = current;
  if (panel.record.agent && !TERMINAL.has(panel.record.state) && Date.now() - panel.agentReadAt > AGENT_REFRESH_MS) {
    panel.agentReadAt = Date.now();
    api(`/api/jobs/${encodeURIComponent(panel.id)}`).then(
      (record) => {
        if (current === panel) showRecord(record);
      },
      () => {
        /* the next sample tries again */
      },
    );
  }
  if (current.chart) current.chart.add(sample.at, sample.cpuPercent, sample.rssBytes);
  else current.waiting.push(sample);
}

/** A job changed state (from the page's event stream). */
export function outputRecord(record) {
  if (current && record.id === current.id) showRecord(record);
}

$('output-close').addEventListener('click', closeOutput);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && current && !$('kill-dialog').open) closeOutput();
});

// Kill, after the user confirms in a dialog (a real <dialog>, so it is styled, reachable by
// keyboard and testable; window.confirm is none of these).
import { $, api, notify } from './dom.js';
import { title } from './format.js';

let pending = null; // { job, resolve } while the dialog is open

/** Asks whether to kill `job`; resolves true when the user says Kill. */
function confirmKill(job) {
  const dialog = $('kill-dialog');
  $('kill-job').textContent = job.id;
  $('kill-command').textContent = title(job);
  return new Promise((resolve) => {
    pending?.resolve(false);
    pending = { job, resolve };
    dialog.returnValue = '';
    dialog.showModal();
  });
}

$('kill-dialog').addEventListener('close', () => {
  const answer = $('kill-dialog').returnValue === 'kill';
  pending?.resolve(answer);
  pending = null;
});

/** Asks, then sends the kill; `target` is the button that asked (disabled meanwhile). */
export async function kill(job, target) {
  if (!(await confirmKill(job))) return;
  const label = target.textContent;
  target.disabled = true;
  target.textContent = 'Killing…';
  try {
    await api(`/api/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
  } catch (error) {
    target.disabled = false;
    target.textContent = label;
    notify(`Could not kill ${job.id}: ${error.message}`);
  }
}

// Figures as people read them. Absent values are shown as "–".

const absent = (v) => v === null || v === undefined;

export const bytes = (n) => {
  if (absent(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
};

export const duration = (ms) => {
  if (absent(ms)) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

export const percent = (n) => (absent(n) ? '–' : `${n.toFixed(1)} %`);
export const count = (n) => (absent(n) ? '–' : String(n));

/** Time of day for today, date and time before. */
export const time = (iso) => {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
};

/** What the job runs, after its name when it has one. */
export const title = (job) => (job.name && job.name !== job.command ? `${job.name}: ${job.command}` : job.command);

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed-out', 'memory-limit', 'spawn-failed', 'worker-lost']);
/** States in which a job can still be killed. */
export const KILLABLE = new Set(['queued', 'running']);

/** Token counts: 950, 12.3k, 4.1M. */
export const tokens = (n) => (n < 1000 ? String(n) : n < 1e6 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1e6).toFixed(1)}M`);
export const usd = (n) => `$${n.toFixed(n < 1 ? 4 : 2)}`;

// Judging rows against their targets and printing them as one table.
import { cpus, freemem, release, totalmem } from 'node:os';
import { runTimed, round } from './util.mjs';

/** Adds ratio, target text and pass/miss to a row. */
export function judge(row) {
  const t = row.target ?? {};
  const out = { ...row };
  if (row.error) return { ...out, result: 'error' };
  if (row.skipped) return { ...out, result: 'skipped', targetText: targetText(t) };
  if (row.baselineValue !== undefined) out.ratio = row.kingly / row.baselineValue;
  out.targetText = targetText(t);
  let pass;
  if (t.ratioAtLeast !== undefined) pass = out.ratio >= t.ratioAtLeast;
  else if (t.ratioAtMost !== undefined) pass = out.ratio <= t.ratioAtMost;
  else if (t.atLeast !== undefined) pass = row.kingly >= t.atLeast;
  else if (t.atMost !== undefined) pass = row.kingly <= t.atMost;
  else if (t.below !== undefined) pass = row.kingly < t.below;
  else if (t.equals !== undefined) pass = row.kingly === t.equals;
  out.result = pass === undefined ? 'info' : pass ? 'pass' : 'MISS';
  return out;
}

function targetText(t) {
  const unit = t.unit ? ` ${t.unit}` : '';
  if (t.ratioAtLeast !== undefined) return `≥ ${t.ratioAtLeast}×`;
  if (t.ratioAtMost !== undefined) return `≤ ${t.ratioAtMost}×`;
  if (t.atLeast !== undefined) return `≥ ${fmt(t.atLeast)}${unit}`;
  if (t.atMost !== undefined) return `≤ ${fmt(t.atMost)}${unit}`;
  if (t.below !== undefined) return `< ${fmt(t.below)}${unit}`;
  if (t.equals !== undefined) return `= ${fmt(t.equals)}${unit}`;
  return '—';
}

export function fmt(value) {
  if (value === undefined || value === null) return '—';
  if (typeof value !== 'number') return String(value);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1000) return String(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** One plain-text table (also valid Markdown). */
export function formatTable(results) {
  const head = ['benchmark', 'metric', 'kingly', 'baseline', 'baseline value', 'ratio', 'target', 'result'];
  const lines = [];
  for (const bench of results) {
    if (bench.error && bench.rows.length === 0) {
      lines.push([bench.name, '—', '—', '—', '—', '—', '—', `error: ${bench.error}`]);
      continue;
    }
    for (const row of bench.rows) {
      lines.push([
        bench.name,
        row.metric,
        row.error ? '—' : fmt(row.kingly),
        row.baseline ?? '—',
        row.skipped ? `skipped (${row.skipped})` : fmt(row.baselineValue),
        row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`,
        row.targetText ?? '—',
        row.error ? `error: ${row.error}` : row.result,
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(line)].join('\n');
}

/** What the numbers came from. */
export async function describeMachine() {
  const cpu = cpus();
  const [redis, parallel, commit, dirty, load] = await Promise.all([
    runTimed('redis-server', ['--version']).then((r) => /v=(\S+)/.exec(r.stdout)?.[1] ?? 'unknown', () => 'missing'),
    runTimed('sh', ['-c', 'parallel --version 2>/dev/null | head -1']).then((r) => r.stdout.trim() || 'not installed'),
    runTimed('git', ['rev-parse', '--short', 'HEAD']).then((r) => r.stdout.trim(), () => 'unknown'),
    runTimed('git', ['status', '--porcelain', '--untracked-files=no']).then((r) => r.stdout.trim() !== '', () => false),
    runTimed('cat', ['/proc/loadavg']).then((r) => r.stdout.trim().split(' ').slice(0, 3).join(' '), () => 'unknown'),
  ]);
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    kernel: release(),
    node: process.version,
    redis,
    parallel,
    commit: dirty ? `${commit} (with uncommitted changes)` : commit,
    loadAverageAtStart: load,
  };
}

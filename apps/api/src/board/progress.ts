import { formatBytes, formatDuration } from '@kingly/cmd';

const finite = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * Bull Board's Progress tab for a kingly job: the worker sets its latest process sample as BullMQ
 * progress (raw numbers such as rssBytes 454340608, cpuSeconds 70.559999); the board shows them as
 * figures a person reads. Progress that is not kingly's (a plain BullMQ job's own) passes unchanged.
 */
export function readableProgress(progress: unknown): unknown {
  if (typeof progress !== 'object' || progress === null || Array.isArray(progress)) return progress;
  const p = progress as Record<string, unknown>;
  const cpu = finite(p.cpuPercent);
  const rss = finite(p.rssBytes);
  if (cpu === undefined && rss === undefined) return progress;
  const out: Record<string, string | number> = {};
  const pid = finite(p.pid);
  if (pid !== undefined) out.PID = pid;
  if (cpu !== undefined) out.CPU = `${cpu.toFixed(1)} %`;
  if (rss !== undefined) out['memory (RSS)'] = formatBytes(rss);
  const peak = finite(p.peakRssBytes);
  if (peak !== undefined) out['peak memory'] = formatBytes(peak);
  const processes = finite(p.processCount);
  if (processes !== undefined) out.processes = processes;
  const cpuSeconds = finite(p.cpuSeconds);
  if (cpuSeconds !== undefined) out['CPU time'] = formatDuration(cpuSeconds * 1000);
  return out;
}

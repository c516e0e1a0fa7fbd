import { formatBytes } from '@kingly/cmd/lite';
import type { ResourceSample } from '@kingly/cmd';

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line chart of the values, `width` characters at most: values are averaged into that many
 * buckets and scaled between 0 (or the smallest, with `fromMin`) and the largest (or `max`, when
 * larger: CPU near 0 % must not fill the line).
 */
export function sparkline(values: readonly number[], width: number, options: { fromMin?: boolean; max?: number } = {}): string {
  if (values.length === 0 || width < 1) return '';
  const buckets = Math.min(width, values.length);
  const points: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * values.length) / buckets);
    const to = Math.max(from + 1, Math.floor(((b + 1) * values.length) / buckets));
    const slice = values.slice(from, to);
    points.push(slice.reduce((sum, v) => sum + v, 0) / slice.length);
  }
  const low = options.fromMin ? Math.min(...points) : 0;
  const span = Math.max(options.max ?? 0, ...points) - low;
  return points.map((v) => BARS[span <= 0 ? 0 : Math.min(BARS.length - 1, Math.floor(((v - low) / span) * BARS.length))]).join('');
}

/** `kingly show`'s resource lines: CPU and RSS over the run, with their ranges. */
export function sampleChart(samples: readonly ResourceSample[], width = 60): string[] {
  if (samples.length === 0) return [];
  const cpu = samples.map((s) => s.cpuPercent);
  const rss = samples.map((s) => s.rssBytes);
  const span = samples.length > 1 ? `${Math.round((samples.at(-1)!.t - samples[0]!.t) / 1000)}s` : 'one sample';
  return [
    `history: ${samples.length} points over ${span}`,
    `  cpu  ${sparkline(cpu, width, { max: 100 }).padEnd(width)}  max ${Math.round(Math.max(...cpu))}%`,
    `  rss  ${sparkline(rss, width, { fromMin: true }).padEnd(width)}  ${formatBytes(Math.min(...rss))}–${formatBytes(Math.max(...rss))}`,
  ];
}

import { badInput } from './errors.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** What parseDuration accepts (also the pattern of durations in kingly.config.json's JSON schema). */
export const DURATION_PATTERN = '^(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?$';
/** What parseSize accepts (also the pattern of sizes in kingly.config.json's JSON schema). */
export const SIZE_PATTERN = '^(\\d+(?:\\.\\d+)?)\\s*([kmgtKMGT]?)([iI]?[bB])?$';

/** Parses `500ms`, `30s`, `10m`, `2h`, `1d` (a bare number is seconds) into milliseconds. */
export function parseDuration(text: string, optionName = 'duration'): number {
  const match = new RegExp(DURATION_PATTERN).exec(text.trim());
  if (!match) {
    throw badInput(`${optionName} must be a duration like 500ms, 30s, 10m or 2h, got '${text}'`);
  }
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!);
}

/** Parses `512K`, `200M`, `2G` (powers of 1024; a bare number is bytes) into bytes. */
export function parseSize(text: string, optionName = 'size'): number {
  const match = new RegExp(SIZE_PATTERN).exec(text.trim());
  if (!match) {
    throw badInput(`${optionName} must be a size like 512K, 200M or 2G, got '${text}'`);
  }
  return Math.round(Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  const units = ['K', 'M', 'G', 'T'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)}${units[unit]}`;
}

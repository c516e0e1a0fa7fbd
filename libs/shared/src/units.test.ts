import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parseSize } from './units.js';

describe('durations and sizes', () => {
  it('parses durations with units, a bare number being seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('7')).toBe(7000);
  });

  it('names the option and the bad value', () => {
    expect(() => parseDuration('10 minutes', '--timeout')).toThrow("--timeout must be a duration like 500ms, 30s, 10m or 2h, got '10 minutes'");
    expect(() => parseSize('lots', '--max-memory')).toThrow(/--max-memory must be a size like 512K, 200M or 2G, got 'lots'/);
  });

  it('parses sizes in powers of 1024', () => {
    expect(parseSize('512K')).toBe(512 * 1024);
    expect(parseSize('200M')).toBe(200 * 1024 ** 2);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('100')).toBe(100);
  });

  it('formats for people', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(61_000)).toBe('1m01s');
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(200 * 1024 ** 2)).toBe('200M');
  });
});

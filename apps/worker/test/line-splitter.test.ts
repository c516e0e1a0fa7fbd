import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../src/line-splitter.js';

const split = (chunks: Buffer[], max?: number): string[] => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.flush();
  return lines;
};

describe('LineSplitter', () => {
  it('splits on newlines across chunk boundaries and drops CR of CRLF', () => {
    expect(split([Buffer.from('a\nb'), Buffer.from('c\r\nd\n'), Buffer.from('\n')])).toEqual(['a', 'bc', 'd', '']);
  });

  it('flushes a last line without newline', () => {
    expect(split([Buffer.from('one\ntwo')])).toEqual(['one', 'two']);
  });

  it('emits nothing for empty input', () => {
    expect(split([])).toEqual([]);
  });

  it('cuts long lines without breaking UTF-8 characters', () => {
    const line = 'é'.repeat(10); // 20 bytes
    const lines = split([Buffer.from(`${line}\n`)], 7);
    expect(lines.join('')).toBe(line);
    for (const piece of lines) expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(7);
    expect(lines.some((l) => l.includes('\uFFFD'))).toBe(false);
  });

  it('cuts a long partial line before its newline arrives', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l), 4);
    splitter.push(Buffer.from('abcdefghij'));
    expect(lines).toEqual(['abcd', 'efgh']);
    splitter.push(Buffer.from('k\n'));
    expect(lines).toEqual(['abcd', 'efgh', 'ijk']);
  });

  it('replaces invalid UTF-8 with U+FFFD', () => {
    expect(split([Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])])).toEqual(['a\uFFFD\uFFFDb']);
  });
});

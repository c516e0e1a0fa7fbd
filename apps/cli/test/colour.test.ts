import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { colourEnabled, fitWidth } from '../src/output/colour.js';
import { KINGLY_BIN, kingly, workerForFile } from './helpers.js';
import { openTerminal } from './tmux.js';

// States in colour where a person reads them, plain text where a program does.
const { env } = workerForFile('colour', ['--concurrency', '4']);
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const kinglyCmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(KINGLY_BIN)}`;

describe('state colours', () => {
  it('jobs, show and status colour states with FORCE_COLOR; NO_COLOR wins; piped output is plain', async () => {
    const ok = (await kingly(['run', 'true'], env)).stdout.trim();
    const bad = (await kingly(['run', 'exit 3'], env)).stdout.trim();
    await kingly(['wait', ok, bad], env);
    const forced = { ...env, FORCE_COLOR: '1' };
    const jobs = await kingly(['jobs'], forced);
    expect(jobs.stdout).toContain(`${GREEN}succeeded`);
    expect(jobs.stdout).toContain(`${RED}failed`);
    // The table still lines up: colour codes take no column.
    const plainRows = jobs.stdout.replace(/\x1b\[\d+m/g, '').split('\n');
    const exitAt = plainRows[0]!.indexOf('EXIT');
    for (const id of [ok, bad]) expect(plainRows.find((l) => l.startsWith(id))!.slice(exitAt, exitAt + 2)).toMatch(/^\d /);
    expect((await kingly(['show', bad], forced)).stdout).toMatch(new RegExp(`state:\\s+\\x1b\\[31mfailed`));
    expect((await kingly(['status'], forced)).stdout).toContain(`${GREEN}succeeded `);
    for (const plain of [await kingly(['jobs'], env), await kingly(['jobs'], { ...forced, NO_COLOR: '1' }), await kingly(['show', bad], env)]) {
      expect(plain.stdout).not.toContain('\x1b[');
    }
  }, 120_000);

  it('on a terminal: coloured without being asked; with NO_COLOR=1 not', async () => {
    const ended = (await kingly(['run', 'true'], env)).stdout.trim();
    await kingly(['wait', ended], env);
    const terminal = openTerminal(`${kinglyCmd} jobs --limit 1; NO_COLOR=1 ${kinglyCmd} jobs --limit 1`, env);
    try {
      await terminal.waitFor(/__SCRIPT_END__/, 'the end of both listings');
      const screen = terminal.screen(true);
      const [colouredRow, plainRow] = screen.split('\n').filter((l) => l.includes(ended));
      expect(colouredRow).toContain(`${GREEN}succeeded`);
      expect(plainRow).not.toContain('\x1b[');
    } finally {
      terminal.close();
    }
  }, 60_000);

  it('colourEnabled: NO_COLOR, FORCE_COLOR, a terminal, a dumb one', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});

describe('live rows measured in columns', () => {
  it('fitWidth cuts wide characters, emoji and coloured text to the columns a terminal gives', () => {
    const line = `${GREEN}running\x1b[39m  构建中 🚀🚀🚀 ${'x'.repeat(50)}`;
    for (const width of [5, 12, 20, 40]) {
      const cut = fitWidth(line, width);
      expect(stringWidth(cut)).toBeLessThanOrEqual(width);
      expect(cut.endsWith('…') || cut.endsWith('…\x1b[0m')).toBe(true);
    }
    expect(fitWidth('short', 10)).toBe('short');
    expect(stringWidth(fitWidth('🚀'.repeat(30), 21))).toBeLessThanOrEqual(21);
  });

  it('run --parallel -f on a terminal: a header row over one row per job, wide output kept on one line', async () => {
    const terminal = openTerminal(`${kinglyCmd} run --parallel -f 'echo 构建中🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀' 'echo two'`, env);
    try {
      const screen = await terminal.waitFor(/__SCRIPT_END__/, 'the end of the group');
      const lines = screen.split('\n');
      const header = lines.findIndex((l) => /^JOB\s+STATE\s+ELAPSED\s+CPU\s+MEM\s+LAST LINE$/.test(l));
      expect(header, screen).toBeGreaterThanOrEqual(0);
      expect(lines[header + 1]).toMatch(/succeeded .*构建中🚀.*…$/);
      expect(lines[header + 2]).toMatch(/^echo two\s+succeeded .* two$/);
      expect(lines.some((l) => /^group g-\S+: 2 jobs, 2 succeeded in /.test(l))).toBe(true);
    } finally {
      terminal.close();
    }
  }, 60_000);
});

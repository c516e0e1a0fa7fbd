import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KINGLY_BIN, lines, workerForFile } from './helpers.js';
import { openTerminal, type Terminal } from './tmux.js';

// What `kingly run` tells a person at a terminal, in a real terminal (tmux), and what it leaves a
// script reading its stdout.
const { env } = workerForFile('tty', ['--concurrency', '4']);
const kinglyCmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(KINGLY_BIN)}`;

let terminal: Terminal | undefined;
afterEach(() => terminal?.close());

describe('kingly run at a terminal', () => {
  it('prints the id on stdout and a hint to follow it on stderr', async () => {
    terminal = openTerminal(`${kinglyCmd} run 'echo hi'`, env);
    const screen = await terminal.waitFor(/__SCRIPT_END__/, 'the end of kingly run');
    const [id, hint] = lines(screen);
    expect(id).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(hint).toBe(`kingly: follow with 'kingly logs -f ${id}' (or 'kingly wait ${id}')`);
  });

  it('stdout to a file: the bare id there, the hint on the terminal', async () => {
    terminal = openTerminal(`${kinglyCmd} run 'echo hi' > id.txt`, env);
    const screen = await terminal.waitFor(/__SCRIPT_END__/, 'the end of kingly run');
    const id = readFileSync(terminal.path('id.txt'), 'utf8');
    expect(id).toMatch(/^[A-Za-z0-9_.-]+\n$/);
    expect(lines(screen)[0]).toBe(`kingly: follow with 'kingly logs -f ${id.trim()}' (or 'kingly wait ${id.trim()}')`);
  });

  it('run --parallel prints the group id on stderr; stdout has the job ids', async () => {
    terminal = openTerminal(`${kinglyCmd} run --parallel true 'exit 0' > ids.txt`, env);
    const screen = await terminal.waitFor(/__SCRIPT_END__/, 'the end of kingly run --parallel');
    const ids = lines(readFileSync(terminal.path('ids.txt'), 'utf8'));
    expect(ids).toHaveLength(2);
    expect(lines(screen)[0]).toMatch(/^\[kingly\] group g-[A-Za-z0-9_.-]+: 2 job\(s\) \(kingly wait --group g-[A-Za-z0-9_.-]+\)$/);
  });

  it('piped (no terminal): no hint, only the id', async () => {
    terminal = openTerminal(`${kinglyCmd} run 'echo hi' > id.txt 2> err.txt`, env);
    await terminal.waitFor(/__SCRIPT_END__/, 'the end of kingly run');
    expect(readFileSync(terminal.path('id.txt'), 'utf8')).toMatch(/^[A-Za-z0-9_.-]+\n$/);
    expect(readFileSync(terminal.path('err.txt'), 'utf8')).toBe('');
  });
});

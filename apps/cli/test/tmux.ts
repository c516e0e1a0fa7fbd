import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, uniqueName, waitFor } from '@kingly/testing';

/** A private tmux server (its own socket) running one shell script in a real terminal. */
export interface Terminal {
  /** What the pane shows now, lines joined by '\n' (trailing blanks trimmed); with colour codes when `escapes`. */
  screen(escapes?: boolean): string;
  /** Waits until the pane shows text matching `pattern`, then returns the screen. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<string>;
  /** A file in the terminal's temp directory (for output the script redirects). */
  path(name: string): string;
  /** Types into the pane: tmux key names (`Down`, `Enter`, `Escape`) or literal text. */
  keys(...keys: string[]): void;
  close(): void;
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `script` (bash, in a fresh temp directory) in a tmux pane of `size` (200×50 by default) with `env` exported. The pane stays after the script
 * ends (it then waits on `cat`) so its last screen can be read; close() kills the tmux server.
 */
export function openTerminal(script: string, env: Record<string, string | undefined>, size = { width: 200, height: 50 }): Terminal {
  const dir = tempDir('kingly-tty');
  const socket = uniqueName('kingly-tty');
  const exports = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e[0]))
    .map(([k, v]) => `export ${k}=${quote(v)}`);
  const file = join(dir.path, 'script.sh');
  // A person's terminal, not a CI job: CI=true (set by CI runners) makes ink and supports-color act as if no one watched.
  writeFileSync(file, [...exports, 'unset CI CONTINUOUS_INTEGRATION', 'export TERM=xterm-256color', `cd ${quote(dir.path)}`, script, 'echo __SCRIPT_END__', 'exec cat'].join('\n'));
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-x', String(size.width), '-y', String(size.height), '-s', 'main', `bash ${quote(file)}`);
  const screen = (escapes = false): string => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'main', '-J').replace(/\s+$/, '');
  return {
    screen,
    async waitFor(pattern, what, timeoutMs = 60_000) {
      try {
        await waitFor(() => pattern.test(screen()), { timeoutMs, intervalMs: 100, message: `the terminal to show ${what}` });
      } catch (error) {
        throw new Error(`${(error as Error).message}; it shows:\n${screen()}`);
      }
      return screen();
    },
    path: (name) => join(dir.path, name),
    keys: (...keys) => {
      tmux('send-keys', '-t', 'main', ...keys);
    },
    close() {
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
      dir.remove();
    },
  };
}

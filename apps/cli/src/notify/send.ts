import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { JobRecord } from '@kingly/cmd';
import { formatDuration } from '@kingly/cmd/lite';

/** The program on PATH, if it is there and executable. */
function onPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      /* not in this directory */
    }
  }
  return undefined;
}

/** Title and body of the notification for an ended job. */
export function endedMessage(r: JobRecord): { title: string; body: string } {
  const how = r.state === 'failed' && r.exitCode !== null ? `failed (exit ${r.exitCode})` : r.state;
  const label = r.name !== r.command ? r.name : r.command;
  const took = r.durationMs !== null ? ` in ${formatDuration(r.durationMs)}` : '';
  return { title: `kingly: ${label.slice(0, 80)} ${how}`, body: `${r.command.slice(0, 200)}${took} (job ${r.id})` };
}

const run = (file: string, args: readonly string[]): Promise<void> =>
  new Promise((resolve) => {
    // A notifier that fails must not fail the command: the job's outcome is said elsewhere too.
    execFile(file, args, { timeout: 10_000 }, () => resolve());
  });

/**
 * Tells the desktop that a job ended: notify-send on Linux, osascript on macOS, else a terminal
 * bell with an OSC 9 notification (terminals that know it show it; others ring) on stderr.
 */
export async function notifyEnded(record: JobRecord): Promise<void> {
  const { title, body } = endedMessage(record);
  const notifySend = process.platform !== 'darwin' ? onPath('notify-send') : undefined;
  if (notifySend) return run(notifySend, ['--app-name=kingly', title, body]);
  if (process.platform === 'darwin') {
    const quote = (s: string): string => JSON.stringify(s);
    return run('osascript', ['-e', `display notification ${quote(body)} with title ${quote(title)}`]);
  }
  process.stderr.write(`\x1b]9;${`${title}: ${body}`.replace(/[\x00-\x1f\x07]/g, ' ')}\x07`);
}

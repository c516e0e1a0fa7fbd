import { spawn } from 'node:child_process';
import { KINGLY_BIN } from '../kingly-bin.js';

/**
 * `kingly run --notify` without --follow: one detached `kingly notify <id>` per job, which waits
 * for the job's end and notifies, after this command has returned (so the id is printed at once).
 */
export function notifyLater(ids: readonly string[], redisUrl: string, prefix: string): void {
  for (const id of ids) {
    const child = spawn(process.execPath, [KINGLY_BIN, 'notify', id, '--redis-url', redisUrl, '--prefix', prefix], {
      detached: true,
      stdio: 'ignore',
      env: process.env,
    });
    child.unref();
  }
}

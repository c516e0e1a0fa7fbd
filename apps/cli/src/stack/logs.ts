import { renameSync, statSync } from 'node:fs';
import type { StackPaths } from './paths.js';

/** A log file above this size is set aside when the stack starts. */
export const MAX_LOG_BYTES = 10 * 1024 * 1024;

/**
 * Caps the daemons' logs without the pm2-logrotate module: when the stack starts, a log over
 * MAX_LOG_BYTES becomes `<name>.1` (replacing the one before), so each part keeps at most about
 * twice that between starts. A stack that runs for months is better served by pm2-logrotate in
 * its PM2 home (see the README).
 */
export function rotateLogs(paths: StackPaths): void {
  for (const file of [paths.redisLog, paths.workerLog, paths.apiLog]) {
    try {
      if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

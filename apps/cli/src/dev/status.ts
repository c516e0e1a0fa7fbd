import type { KinglyClient } from '@kingly/cmd';
import type { DevStatus } from '../output/format-dev.js';
import { liveCopies } from './jobs.js';
import { portAnswers } from './port.js';
import type { DevServer } from './servers.js';

/** What `dev status` reports of one server: this directory's copy, its figures, its port. */
export async function devStatus(client: KinglyClient, server: DevServer, now = Date.now()): Promise<DevStatus> {
  const copies = await liveCopies(client, server);
  const mine = copies.find((r) => r.cwd === server.cwd);
  const port = mine?.port ?? null;
  return {
    name: server.name,
    command: server.command,
    cwd: server.cwd,
    state: mine?.state ?? 'stopped',
    id: mine?.id ?? null,
    pid: mine?.pid ?? null,
    port: port ?? server.port ?? null,
    portAnswers: mine && port !== null ? await portAnswers(port) : null,
    // From the last start: a restart by the job's policy starts the clock again (restarts beside it).
    uptimeMs: mine?.startedAt ? Math.max(0, now - Date.parse(mine.restartedAt ?? mine.startedAt)) : null,
    restarts: mine?.restarts ?? 0,
    cpuPercent: mine?.cpuPercent ?? null,
    rssBytes: mine?.rssBytes ?? null,
    otherCopies: copies.filter((r) => r !== mine).map((r) => ({ id: r.id, cwd: r.cwd, port: r.port })),
  };
}

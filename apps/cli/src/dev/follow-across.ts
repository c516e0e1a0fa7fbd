import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRecord, KinglyClient } from '@kingly/cmd';
import { readJobLog } from '../follow-job.js';
import { interruptSignal } from '../interrupt.js';
import { LogPrinter } from '../output/log-printer.js';
import { write } from '../output/write.js';
import { latestJob } from './jobs.js';
import type { DevServer } from './servers.js';

/** How often a follower looks for the server's next job after one ended. */
const NEXT_JOB_POLL_MS = 250;

export interface FollowAcrossOptions {
  /** Start with only the last N lines of the first job. @default everything */
  readonly tail?: number;
  /** JSON lines. @default false */
  readonly json?: boolean;
}

/**
 * `dev logs -f`: one log across restarts. Each `dev restart` or `dev stop`/`start` makes a new
 * job; when the followed one ends, this waits for this copy's next job and follows it from its
 * first line, until Ctrl-C. Resolves once interrupted.
 */
export async function followAcrossRestarts(client: KinglyClient, server: DevServer, first: JobRecord, options: FollowAcrossOptions): Promise<void> {
  const printer = new LogPrinter({ json: options.json === true });
  const interrupt = interruptSignal();
  const seen = new Set<string>();
  try {
    let job: JobRecord | undefined = first;
    let tail = options.tail;
    while (job) {
      seen.add(job.id);
      await readJobLog(client, job.id, { follow: true, ...(tail !== undefined ? { tail } : {}), onEntry: (e) => printer.add(e), signal: interrupt.signal });
      await printer.flush();
      tail = undefined;
      if (interrupt.signal.aborted) return;
      job = await nextJob(client, server, seen, interrupt.signal);
      if (job) await write(process.stderr, `[kingly] dev server '${server.name}' runs again as job ${job.id}\n`);
    }
  } finally {
    interrupt.dispose();
  }
}

/** This copy's newest job once it is one not followed yet; undefined when interrupted. */
async function nextJob(client: KinglyClient, server: DevServer, seen: ReadonlySet<string>, signal: AbortSignal): Promise<JobRecord | undefined> {
  while (!signal.aborted) {
    const latest = await latestJob(client, server);
    if (latest && !seen.has(latest.id)) return latest;
    await sleep(NEXT_JOB_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

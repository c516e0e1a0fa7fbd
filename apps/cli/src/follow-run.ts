import type { KinglyClient } from '@kingly/cmd';
import { exitCodeFor, queueBase, queueHost, takesFrom } from '@kingly/cmd/lite';
import { ExitCode } from './exit-codes.js';
import { finalRecord, readJobLog } from './follow-job.js';
import { interruptSignal } from './interrupt.js';
import { LogPrinter } from './output/log-printer.js';
import { write } from './output/write.js';

export interface FollowJobOptions {
  /** Print entries as JSON lines. @default false */
  readonly json?: boolean;
  /** The queue the job is on (to tell when no worker serves it). */
  readonly queue: string;
}

/**
 * `kingly run -f`: prints the job's output live and returns the exit code to leave with (the
 * job's own, 128+n for signal n, 1 for another failure; 130 when the user stops following).
 */
export async function followJob(client: KinglyClient, id: string, options: FollowJobOptions): Promise<number> {
  const printer = new LogPrinter({ json: options.json ?? false });
  const note = (text: string): Promise<void> => write(process.stderr, `[kingly] ${text}\n`);
  if (process.stderr.isTTY) await note(`job ${id}`);
  await warnWhenNoWorker(client, options.queue, note);
  const interrupt = interruptSignal();
  try {
    await readJobLog(client, id, { follow: true, onEntry: (e) => printer.add(e), signal: interrupt.signal });
    await printer.flush();
    if (interrupt.signal.aborted) {
      await note(`stopped following job ${id}; it goes on (kingly logs -f ${id})`);
      return ExitCode.INTERRUPTED;
    }
    const record = await finalRecord(client, id, interrupt.signal).catch((error: unknown) => {
      if (interrupt.signal.aborted) return undefined;
      throw error;
    });
    if (!record) return ExitCode.INTERRUPTED;
    if (record.state !== 'succeeded' && record.state !== 'failed') {
      await note(`job ${id} ended ${record.state} (kingly show ${id})`);
    }
    return exitCodeFor(record);
  } finally {
    interrupt.dispose();
  }
}

/** A job on a queue nobody takes from would wait silently for ever: say so once. */
export async function warnWhenNoWorker(client: KinglyClient, queue: string, note: (text: string) => Promise<void>): Promise<void> {
  const workers = await client.listWorkers();
  if (!workers.some((w) => w.alive && takesFrom(w, queue))) {
    const host = queueHost(queue);
    await note(
      host === undefined
        ? `no worker is taking jobs from queue '${queue}' yet; start one with 'kingly worker --queue ${queue}'`
        : `no worker of host '${host}' is taking jobs from queue '${queueBase(queue)}' yet; the job waits for one (kingly worker --host-id ${host})`,
    );
  }
}

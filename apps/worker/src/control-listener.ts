import type { Redis } from 'ioredis';
import { duplicateRedis, parseControlMessage, validateSignal, type KinglyKeys } from '@kingly/cmd';
import type { RunningJob } from './running-job.js';

/**
 * Listens on the worker's control channel: kills the jobs clients ask for, and hands a new
 * concurrency to `onConcurrency`. Returns a function that unsubscribes and closes the subscriber
 * connection.
 */
export async function listenForControl(
  redis: Redis,
  keys: KinglyKeys,
  workerId: string,
  running: ReadonlyMap<string, RunningJob>,
  onConcurrency: (concurrency: number) => void = () => undefined,
): Promise<() => Promise<void>> {
  const subscriber = duplicateRedis(redis, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {
    /* ioredis reconnects and resubscribes on its own; nothing else is sent on this connection */
  });
  subscriber.on('message', (_channel: string, text: string) => {
    const message = parseControlMessage(text);
    if (!message) return;
    if (message.type === 'concurrency') return onConcurrency(message.concurrency);
    const job = running.get(message.jobId);
    if (!job) return;
    let signal: NodeJS.Signals = 'SIGTERM';
    try {
      signal = validateSignal(message.signal) as NodeJS.Signals;
    } catch {
      /* a bad signal name from a client: fall back to SIGTERM */
    }
    // Not awaited (the kill takes up to the grace period); a failed kill is said in the job's log.
    job
      .stop({ state: 'cancelled', signal, reason: `cancelled by request (${signal}, SIGKILL after ${message.graceMs} ms)` }, { signal, graceMs: message.graceMs })
      .catch((error: unknown) => job.log(`[kingly] the cancel could not kill the job's processes: ${(error as Error)?.message ?? String(error)}`));
  });
  await subscriber.subscribe(keys.control(workerId));
  return async () => {
    await subscriber.unsubscribe().catch(() => {
      /* closing anyway: a connection that is gone is unsubscribed */
    });
    subscriber.disconnect();
  };
}

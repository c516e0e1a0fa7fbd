import type { Redis } from 'ioredis';
import { KinglyClient } from '../client/kingly-client.js';
import { resolveConfig } from '../config.js';
import { badInput } from '../errors.js';
import { parseEvent } from '../event-fields.js';
import { duplicateRedis } from '../redis.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { LifecycleEvent } from '../schemas/lifecycle-event.js';
import { ack, autoClaim, ensureGroup, readGroup, type GroupEntry } from './consumer-group.js';
import { defaultClient } from './default-client.js';

/** What comes with each completion besides the final record. */
export interface CompletionDelivery {
  /**
   * The events-stream id of this completion. A redelivery (after a failure, a restart or a crash
   * before the acknowledgement) carries the same id: keep the ids applied to skip repeats.
   */
  readonly eventId: string;
  /** The `finished` event itself. */
  readonly event: LifecycleEvent;
  /** True when it comes from the pending list: it may have been delivered before. */
  readonly redelivered: boolean;
}

/** The program told about completions (the seed's central job system). */
export interface JobSystem {
  /** Called once per completion, one call at a time; the completion is acknowledged when it resolves, retried when it throws. */
  updateStatus(result: JobRecord, delivery: CompletionDelivery): unknown;
}

export interface JobIntegrationOptions {
  /**
   * This consumer's name in the group. Keep it across restarts: completions it had taken and not
   * acknowledged come back to the consumer of the same name.
   */
  readonly consumer: string;
  /** Consumer group: consumers of one group share the completions (each goes to one of them). @default "job-integration" */
  readonly group?: string;
  /**
   * Where a group that does not exist yet starts: `'$'` gets only events appended after it is
   * made, `'0'` every event the stream still keeps, or a stream id. An existing group carries on
   * from where it was, whatever this says. @default '$'
   */
  readonly from?: string;
  /** Client whose Redis and prefix to use (a connection of its own is opened beside it). @default one made from redisUrl, else the default client */
  readonly client?: KinglyClient;
  /** Redis to use when no client is given (closed by close()). @default the configured one (KINGLY_REDIS_URL, kingly.config.json) */
  readonly redisUrl?: string;
  /** Key prefix with `redisUrl`. @default the configured one (KINGLY_PREFIX, kingly.config.json, "kingly") */
  readonly prefix?: string;
  /** Entries read per round trip. @default 100 */
  readonly batch?: number;
  /** Wait before delivering again what failed (updateStatus threw, or Redis did). @default 1000 */
  readonly retryDelayMs?: number;
  /** Take over completions another consumer of the group has held unacknowledged this long (it is gone for good). @default 60000 */
  readonly claimIdleMs?: number;
  /** Told of each failure; the completion stays pending and is delivered again. @default logs to console.error */
  readonly onError?: (error: unknown, delivery?: CompletionDelivery) => void;
}

/** A running integration. */
export interface JobIntegration {
  readonly group: string;
  readonly consumer: string;
  /** Stops taking completions; resolves after the updateStatus in progress (if any) and its acknowledgement. */
  close(): Promise<void>;
}

const BLOCK_MS = 5000;

function checkName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.:@-]{1,200}$/.test(value)) {
    throw badInput(`${field} must be 1 to 200 letters, digits or '_.:@-', got ${JSON.stringify(value)?.slice(0, 60)}`);
  }
  return value;
}

function checkInt(value: number | undefined, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

/**
 * Calls `jobSystem.updateStatus(record, delivery)` for every job that ends, durably: through a
 * Redis consumer group on the events stream. A completion is acknowledged (XACK) only after
 * updateStatus resolves, so one that was not (the job system was down, restarting, crashed or
 * threw) is delivered again: at start the consumer reads its own pending list, and it takes over
 * what other consumers of the group left pending for `claimIdleMs`. At least once, in stream order
 * apart from retries; de-duplicate by `delivery.eventId`. Only `finished` events are delivered.
 *
 * Limit: the events stream keeps about the last 100,000 events (three per job), so a group that is
 * away for longer than that misses the completions trimmed meanwhile.
 */
export async function connect(jobSystem: JobSystem, options: JobIntegrationOptions): Promise<JobIntegration> {
  if (typeof jobSystem?.updateStatus !== 'function') throw badInput('jobSystem.updateStatus must be a function');
  const consumer = checkName(options?.consumer, 'consumer');
  const group = checkName(options.group ?? 'job-integration', 'group');
  const from = options.from ?? '$';
  if (!/^(\$|0|\d+(-\d+)?)$/.test(from)) throw badInput(`from must be '$', '0' or a stream id such as 1700000000000-0, got '${from}'`);
  const batch = checkInt(options.batch, 'batch', 1, 10_000, 100);
  const retryDelayMs = checkInt(options.retryDelayMs, 'retryDelayMs', 0, 3_600_000, 1000);
  const claimIdleMs = checkInt(options.claimIdleMs, 'claimIdleMs', 1, 86_400_000, 60_000);
  const onError =
    options.onError ??
    ((error: unknown, delivery?: CompletionDelivery) =>
      console.error(`kingly jobIntegration ${group}/${consumer}${delivery ? ` event ${delivery.eventId} of job ${delivery.event.jobId}` : ''}:`, error));

  let owned: KinglyClient | undefined;
  let client = options.client;
  if (!client && options.redisUrl !== undefined) {
    const config = resolveConfig({ flags: { redisUrl: options.redisUrl, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) } });
    client = owned = new KinglyClient({ redisUrl: options.redisUrl, prefix: config.prefix });
  }
  client ??= defaultClient();
  const stream = client.keys.events;
  let redis: Redis;
  try {
    // Its own connection: XREADGROUP blocks it, and the client's others keep serving the program.
    redis = duplicateRedis(await client.redis(), { maxRetriesPerRequest: null, lazyConnect: false });
    redis.on('error', () => {
      /* reported through the failed command; ioredis reconnects */
    });
    await ensureGroup(redis, stream, group, from);
  } catch (error) {
    await owned?.close();
    throw error;
  }

  let closed = false;
  let blocking = false;
  let wake = (): void => undefined;
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Delivers the entries in order and acknowledges those done; false when one failed. */
  const handle = async (entries: readonly GroupEntry[], redelivered: boolean): Promise<boolean> => {
    const done: string[] = [];
    let ok = true;
    try {
      for (const [id, fields] of entries) {
        if (closed) break;
        // Trimmed from the stream after it was delivered: nothing is left to tell.
        if (fields === null) {
          done.push(id);
          continue;
        }
        const event = parseEvent(id, fields);
        if (event.type === 'finished' && event.record) {
          const delivery: CompletionDelivery = { eventId: id, event, redelivered };
          try {
            await jobSystem.updateStatus(event.record, delivery);
          } catch (error) {
            ok = false;
            onError(error, delivery);
            continue;
          }
        }
        done.push(id);
      }
    } finally {
      await ack(redis, stream, group, done);
    }
    return ok;
  };

  /** This consumer's own pending entries, oldest first; false when one failed again. */
  const drainPending = async (): Promise<boolean> => {
    let ok = true;
    for (let after = '0'; !closed; ) {
      const entries = await readGroup(redis, stream, group, consumer, after, batch);
      if (entries.length === 0) break;
      ok = (await handle(entries, true)) && ok;
      after = entries[entries.length - 1]![0];
    }
    return ok;
  };

  const claimAbandoned = async (): Promise<boolean> => {
    let ok = true;
    for (let cursor = '0-0'; !closed; ) {
      const { next, entries } = await autoClaim(redis, stream, group, consumer, claimIdleMs, cursor, batch);
      ok = (await handle(entries, true)) && ok;
      if (next === '0-0') break;
      cursor = next;
    }
    return ok;
  };

  const run = async (): Promise<void> => {
    let pendingDue = 0;
    let claimDue = 0;
    while (!closed) {
      try {
        if (Date.now() >= pendingDue) pendingDue = (await drainPending()) ? Infinity : Date.now() + retryDelayMs;
        if (Date.now() >= claimDue && !closed) {
          if (!(await claimAbandoned())) pendingDue = Math.min(pendingDue, Date.now() + retryDelayMs);
          claimDue = Date.now() + claimIdleMs;
        }
        if (closed) break;
        const blockMs = Math.max(1, Math.min(BLOCK_MS, pendingDue - Date.now(), claimDue - Date.now()));
        blocking = true;
        const entries = await readGroup(redis, stream, group, consumer, '>', batch, blockMs);
        blocking = false;
        if (!(await handle(entries, false))) pendingDue = Math.min(pendingDue, Date.now() + retryDelayMs);
      } catch (error) {
        blocking = false;
        if (closed) break;
        // The stream or the group was deleted (FLUSHALL, a cleanup): make them again and go on.
        if (String((error as Error).message).startsWith('NOGROUP')) {
          await ensureGroup(redis, stream, group, from).catch((e: unknown) => onError(e));
        } else onError(error);
        pendingDue = 0;
        await pause(retryDelayMs);
      }
    }
  };
  const running = run();

  return {
    group,
    consumer,
    async close() {
      if (!closed) {
        closed = true;
        wake();
        // A cut XREADGROUP may have taken entries: they wait in the pending list for the next start.
        if (blocking) redis.disconnect();
      }
      await running;
      if (redis.status !== 'end') await redis.quit().catch(() => redis.disconnect());
      await owned?.close();
    },
  };
}

/** The seed's durable completion reporting; see `connect`. */
export const jobIntegration = { connect } as const;

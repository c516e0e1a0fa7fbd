import { parseEvent } from '../event-fields.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { LifecycleEvent } from '../schemas/lifecycle-event.js';
import type { ClientContext } from './context.js';

export interface ReadEventsOptions {
  /** Start after this stream id; '0' replays everything kept, '$' only new ones. @default '$' */
  readonly since?: string;
  /** Wait for new events instead of ending at the newest. @default true */
  readonly follow?: boolean;
  /** Stops the reader. @default undefined */
  readonly signal?: AbortSignal;
  /** Start with only the last N events that exist now (instead of `since`). @default undefined */
  readonly tail?: number;
}

type RawEntry = [id: string, fields: string[]];

/** The id of the newest event now, so a reader can start exactly there without a gap. */
export async function lastEventId(ctx: ClientContext): Promise<string> {
  const redis = await ctx.redis();
  const last = (await redis.xrevrange(ctx.keys.events, '+', '-', 'COUNT', 1)) as RawEntry[];
  return last[0]?.[0] ?? '0';
}

/** The id just before the last `tail` events ('0' when there are no more than that). */
async function tailStart(ctx: ClientContext, tail: number): Promise<string> {
  if (tail <= 0) return lastEventId(ctx);
  const redis = await ctx.redis();
  const last = (await redis.xrevrange(ctx.keys.events, '+', '-', 'COUNT', tail + 1)) as RawEntry[];
  return last.length <= tail ? '0' : last[tail]![0];
}

/** Lifecycle events in order, from `since`. */
export async function* readEvents(ctx: ClientContext, options: ReadEventsOptions = {}): AsyncGenerator<LifecycleEvent> {
  let last = options.tail !== undefined ? await tailStart(ctx, options.tail) : (options.since ?? '$');
  if (last === '$') last = await lastEventId(ctx);
  const follow = options.follow ?? true;
  const redis = follow ? await ctx.blockingRedis() : await ctx.redis();
  const abort = (): void => redis.disconnect();
  if (follow) options.signal?.addEventListener('abort', abort, { once: true });
  let failed = false;
  try {
    while (!options.signal?.aborted) {
      let entries: RawEntry[];
      if (follow) {
        const result = (await redis.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', ctx.keys.events, last)) as
          | Array<[string, RawEntry[]]>
          | null;
        entries = result?.[0]?.[1] ?? [];
      } else {
        entries = (await redis.xrange(ctx.keys.events, last === '0' ? '-' : `(${last}`, '+', 'COUNT', 1000)) as RawEntry[];
      }
      for (const [id, fields] of entries) {
        last = id;
        yield parseEvent(id, fields);
      }
      if (!follow && entries.length < 1000) return;
    }
  } catch (error) {
    failed = true;
    if (!options.signal?.aborted) throw error;
  } finally {
    if (follow) {
      options.signal?.removeEventListener('abort', abort);
      // Ended by its reader between two commands: the connection is idle and serves the next one.
      if (!failed && !options.signal?.aborted) ctx.releaseBlockingRedis(redis);
      else redis.disconnect();
    }
  }
}

export type CompleteListener = (record: JobRecord, event: LifecycleEvent) => void;

export interface OnCompleteOptions {
  /** Catch up from this event id (a client that was away). @default only new completions */
  readonly since?: string;
  /** Called when reading fails; reading stops. @default undefined (errors are dropped) */
  readonly onError?: (error: unknown) => void;
}

/** Calls `listener` for every terminal transition; returns a function that stops listening. */
export function onComplete(ctx: ClientContext, listener: CompleteListener, options: OnCompleteOptions = {}): () => void {
  const controller = new AbortController();
  // Cannot reject: every error of the reader goes to onError.
  void (async () => {
    try {
      for await (const event of readEvents(ctx, { since: options.since ?? '$', signal: controller.signal })) {
        if (event.type === 'finished' && event.record) listener(event.record, event);
      }
    } catch (error) {
      options.onError?.(error);
    }
  })();
  return () => controller.abort();
}

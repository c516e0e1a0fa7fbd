import { parseEvent } from '../event-fields.js';
import type { JobRecord } from '../schemas/job-record.js';
import type { LifecycleEvent } from '../schemas/lifecycle-event.js';
import type { ClientContext } from './context.js';
import type { EventSubscriber } from './events-hub.js';

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

/** Events a follower may have unread before it stops taking them live and catches up later. */
const MAX_HELD = 10_000;

/**
 * Lifecycle events in order, from `since`. Followers read what is kept at their own pace, then
 * live through the client's shared events reader (one blocking connection for all of them and
 * every wait).
 */
export async function* readEvents(ctx: ClientContext, options: ReadEventsOptions = {}): AsyncGenerator<LifecycleEvent> {
  let last = options.tail !== undefined ? await tailStart(ctx, options.tail) : (options.since ?? '$');
  if (last === '$') last = await lastEventId(ctx);
  const signal = options.signal;
  if (options.follow === false) {
    for await (const event of readKept(ctx, last)) yield event;
    return;
  }
  let wake = (): void => undefined;
  const stop = (): void => wake();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // Each round: catch up from the stream, then live until this follower falls MAX_HELD behind.
    while (!signal?.aborted) {
      for await (const event of readKept(ctx, last)) {
        if (signal?.aborted) return;
        last = event.id;
        yield event;
      }
      let queue: LifecycleEvent[] = [];
      let failure: { error: unknown } | undefined;
      let behind = false;
      const subscriber: EventSubscriber = {
        onEvent: (event) => {
          if (behind) return;
          queue.push(event);
          behind = queue.length >= MAX_HELD;
          wake();
        },
        onError: (error) => {
          failure = { error };
          wake();
        },
      };
      const unsubscribe = await ctx.events().subscribeFrom(subscriber, last);
      try {
        while (!signal?.aborted) {
          if (queue.length > 0) {
            const batch = queue;
            queue = [];
            for (const event of batch) {
              if (signal?.aborted) return;
              last = event.id;
              yield event;
            }
          } else if (failure) {
            if (signal?.aborted) return;
            throw failure.error;
          } else if (behind) {
            break;
          } else {
            await new Promise<void>((resolve) => (wake = resolve));
          }
        }
      } finally {
        unsubscribe();
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** The events kept after `last`, without waiting for new ones. */
async function* readKept(ctx: ClientContext, last: string): AsyncGenerator<LifecycleEvent> {
  const redis = await ctx.redis();
  for (;;) {
    const entries = (await redis.xrange(ctx.keys.events, last === '0' ? '-' : `(${last}`, '+', 'COUNT', 1000)) as RawEntry[];
    for (const [id, fields] of entries) {
      last = id;
      yield parseEvent(id, fields);
    }
    if (entries.length < 1000) return;
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

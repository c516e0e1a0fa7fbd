import type { Redis } from 'ioredis';
import { ErrorCodes, KinglyError } from '../errors.js';
import { parseEvent } from '../event-fields.js';
import type { KinglyKeys } from '../keys.js';
import type { LifecycleEvent } from '../schemas/lifecycle-event.js';
import { compareStreamIds } from './stream-id.js';

/** One party interested in lifecycle events: a waiter, a follower, an onComplete listener. */
export interface EventSubscriber {
  /** Only these jobs' events reach it (looked up by job id, so 1,000 waiters cost one map read per event). @default undefined (every event) */
  readonly jobIds?: readonly string[];
  /** Each event, in stream order, once. */
  onEvent(event: LifecycleEvent): void;
  /** Reading failed or the client was closed; the subscriber has been removed. */
  onError(error: unknown): void;
}

/** What the hub needs from its client. */
export interface EventsHubDeps {
  readonly keys: KinglyKeys;
  redis(): Promise<Redis>;
  blockingRedis(): Promise<Redis>;
  releaseBlockingRedis(connection: Redis): void;
}

type RawEntry = [id: string, fields: string[]];

interface Entry {
  readonly sub: EventSubscriber;
  /** Skip events up to this id (a subscriber that starts after the reader's position). */
  after: string | undefined;
  /** Live events held while the subscriber catches up with what the reader already passed. */
  held: LifecycleEvent[] | undefined;
}

const BATCH = 1000;
const BLOCK_MS = 5000;

/**
 * The one reader of the events stream a client has, shared by all its waits and followers (as
 * BullMQ's QueueEvents is): one blocking XREAD whatever the number of subscribers, each event
 * parsed once and handed only to those who asked for its job. The reader runs while someone
 * listens and gives its connection back (or closes it, if a read is in flight) when the last one
 * leaves; it keeps the id of the last event it delivered, so a reconnect (ioredis resends the
 * XREAD with that id) or a restart while subscribers remain loses nothing.
 */
export class EventsHub {
  readonly #deps: EventsHubDeps;
  /** Id of the last event delivered; undefined while the reader has no position. */
  #last: string | undefined;
  #starting: Promise<void> | undefined;
  #running = false;
  /** The blocking connection while an XREAD is in flight. */
  #reading: Redis | undefined;
  /** Connections cut on purpose mid-read (no one listened any more): their errors are not failures. */
  readonly #cut = new WeakSet<Redis>();
  #closed: KinglyError | undefined;
  readonly #entries = new Map<EventSubscriber, Entry>();
  readonly #everything = new Set<Entry>();
  readonly #byJob = new Map<string, Set<Entry>>();

  constructor(deps: EventsHubDeps) {
    this.#deps = deps;
  }

  /**
   * Every event appended after this resolves reaches `sub` (it may also get a few just before).
   * A waiter subscribes first and checks records after, so a job that ends in between is seen
   * by one or the other. Returns the function that unsubscribes.
   */
  async subscribe(sub: EventSubscriber): Promise<() => void> {
    this.#throwIfClosed();
    this.#add(sub);
    try {
      if (this.#last === undefined) await this.#start();
      this.#throwIfClosed();
    } catch (error) {
      this.#remove(sub);
      throw error;
    }
    return () => this.#remove(sub);
  }

  /** Every event after stream id `since`, in order, then the live ones. Returns the function that unsubscribes. */
  async subscribeFrom(sub: EventSubscriber, since: string): Promise<() => void> {
    this.#throwIfClosed();
    // A start in flight settles the position first; its failure is the caller's only if it recurs.
    if (this.#starting) await this.#starting.catch(() => undefined);
    this.#throwIfClosed();
    if (this.#last === undefined) {
      this.#last = since;
      this.#add(sub);
      this.#run();
      return () => this.#remove(sub);
    }
    const entry = this.#add(sub);
    if (compareStreamIds(since, this.#last) >= 0) {
      entry.after = since;
      return () => this.#remove(sub);
    }
    // Behind the reader: read what it already passed (XRANGE), holding its live events meanwhile.
    entry.held = [];
    const until = this.#last;
    try {
      const redis = await this.#deps.redis();
      for (let from = since; ; ) {
        const page = (await redis.xrange(this.#deps.keys.events, from === '0' ? '-' : `(${from}`, until, 'COUNT', BATCH)) as RawEntry[];
        for (const [id, fields] of page) {
          from = id;
          if (this.#entries.get(sub) === entry) sub.onEvent(parseEvent(id, fields));
        }
        if (page.length < BATCH) break;
      }
    } catch (error) {
      this.#remove(sub);
      throw error;
    }
    const held = entry.held;
    entry.held = undefined;
    for (const event of held) if (this.#entries.get(sub) === entry) this.#deliver(entry, event);
    return () => this.#remove(sub);
  }

  /** Ends every subscription with E_CLIENT_CLOSED and stops reading; the hub takes no new ones. */
  close(): void {
    this.#closed ??= new KinglyError(ErrorCodes.CLIENT_CLOSED, 'the client was closed while waiting for job events', {
      hint: 'close the client only after its waits and followers have ended',
    });
    const subs = [...this.#entries.keys()];
    this.#entries.clear();
    this.#everything.clear();
    this.#byJob.clear();
    this.#cutRead();
    for (const sub of subs) sub.onError(this.#closed);
  }

  #throwIfClosed(): void {
    if (this.#closed) throw this.#closed;
  }

  #add(sub: EventSubscriber): Entry {
    const entry: Entry = { sub, after: undefined, held: undefined };
    this.#entries.set(sub, entry);
    if (sub.jobIds === undefined) this.#everything.add(entry);
    else {
      for (const id of sub.jobIds) {
        let set = this.#byJob.get(id);
        if (!set) this.#byJob.set(id, (set = new Set()));
        set.add(entry);
      }
    }
    return entry;
  }

  #remove(sub: EventSubscriber): void {
    const entry = this.#entries.get(sub);
    if (!entry) return;
    this.#entries.delete(sub);
    this.#everything.delete(entry);
    for (const id of sub.jobIds ?? []) {
      const set = this.#byJob.get(id);
      set?.delete(entry);
      if (set?.size === 0) this.#byJob.delete(id);
    }
    // No one listens: no blocking read left behind (it would hold a connection for up to 5 s).
    if (this.#entries.size === 0) this.#cutRead();
  }

  #cutRead(): void {
    const reading = this.#reading;
    if (!reading) return;
    this.#reading = undefined;
    this.#cut.add(reading);
    reading.disconnect();
  }

  /** Takes the newest event id as the position (once for all who subscribe meanwhile), then reads. */
  #start(): Promise<void> {
    this.#starting ??= (async () => {
      try {
        const redis = await this.#deps.redis();
        const newest = (await redis.xrevrange(this.#deps.keys.events, '+', '-', 'COUNT', 1)) as RawEntry[];
        this.#last ??= newest[0]?.[0] ?? '0';
        this.#run();
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }

  #run(): void {
    if (this.#running) return;
    this.#running = true;
    // Cannot reject: #read hands every error to the subscribers.
    void this.#read();
  }

  async #read(): Promise<void> {
    let connection: Redis | undefined;
    let failure: { error: unknown } | undefined;
    try {
      connection = await this.#deps.blockingRedis();
      // A cut connection may still say 'ready' until its socket closes: never read on it again.
      while (this.#entries.size > 0 && !this.#closed && !this.#cut.has(connection)) {
        this.#reading = connection;
        const result = (await connection.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.#deps.keys.events, this.#last!)) as
          | Array<[string, RawEntry[]]>
          | null;
        this.#reading = undefined;
        for (const [id, fields] of result?.[0]?.[1] ?? []) {
          this.#last = id;
          this.#dispatch(parseEvent(id, fields));
        }
      }
      // Stopped between two commands: the connection is idle and serves the next reader.
      if (this.#closed || this.#cut.has(connection)) connection.disconnect();
      else this.#deps.releaseBlockingRedis(connection);
    } catch (error) {
      this.#reading = undefined;
      connection?.disconnect();
      if (!(connection && this.#cut.has(connection)) && !this.#closed) failure = { error };
    }
    this.#running = false;
    if (failure) {
      const subs = [...this.#entries.keys()];
      for (const sub of subs) this.#remove(sub);
      for (const sub of subs) sub.onError(failure.error);
    }
    if (this.#entries.size > 0 && !this.#closed) this.#run();
    // Nobody left: a later subscriber takes a fresh position rather than replay what passed since.
    else this.#last = undefined;
  }

  #dispatch(event: LifecycleEvent): void {
    if (this.#everything.size > 0) for (const entry of [...this.#everything]) this.#deliver(entry, event);
    const forJob = this.#byJob.get(event.jobId);
    if (forJob) for (const entry of [...forJob]) this.#deliver(entry, event);
  }

  #deliver(entry: Entry, event: LifecycleEvent): void {
    if (entry.held) {
      entry.held.push(event);
      return;
    }
    if (entry.after !== undefined) {
      if (compareStreamIds(event.id, entry.after) <= 0) return;
      entry.after = undefined;
    }
    if (this.#entries.get(entry.sub) !== entry) return;
    try {
      entry.sub.onEvent(event);
    } catch (error) {
      // One subscriber's throwing callback ends that subscriber, not the reader of everyone else.
      this.#remove(entry.sub);
      entry.sub.onError(error);
    }
  }
}

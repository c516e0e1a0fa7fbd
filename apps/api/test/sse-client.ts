/** One event as a browser's EventSource would see it. */
export interface ReceivedEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface EventStream {
  readonly status: number;
  readonly contentType: string | null;
  /** The next event; undefined once the server has ended the stream. */
  next(): Promise<ReceivedEvent | undefined>;
  /** Events until `predicate` matches (inclusive); throws if the stream ends (or times out, closing it) first. */
  until(predicate: (e: ReceivedEvent) => boolean, what: string, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): void;
}

/** A minimal text/event-stream reader over fetch (a real socket), for tests. */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  const pending: ReceivedEvent[] = [];

  const parse = (block: string): ReceivedEvent | undefined => {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    return data.length > 0 ? { id, event, data: data.join('\n') } : undefined;
  };

  const next = async (): Promise<ReceivedEvent | undefined> => {
    for (;;) {
      const queued = pending.shift();
      if (queued) return queued;
      if (ended) return undefined;
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        ended = true;
        continue;
      }
      if (chunk.done) {
        ended = true;
        continue;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const event = parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) pending.push(event);
      }
    }
  };

  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    next,
    async until(predicate, what, timeoutMs = 20_000) {
      const seen: ReceivedEvent[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      try {
        for (;;) {
          const event = await next();
          if (!event) {
            const why = timedOut ? `no ${what} within ${timeoutMs}ms` : `the stream ended before ${what}`;
            throw new Error(`${why}; saw ${JSON.stringify(seen.map((e) => [e.event, e.data.slice(0, 80)]))}`);
          }
          seen.push(event);
          if (predicate(event)) return seen;
        }
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      controller.abort();
    },
  };
}

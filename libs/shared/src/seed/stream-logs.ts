import type { KinglyClient } from '../client/kingly-client.js';
import { clientOr } from './default-client.js';

export interface StreamLogsOptions {
  /** Keep reading live until the job's log ends; otherwise end with the lines kept now. @default true */
  readonly follow?: boolean;
  /** Start with only the last N lines kept now. @default undefined (every kept line) */
  readonly tail?: number;
  /** Stops the reader; the iteration then ends quietly. @default undefined */
  readonly signal?: AbortSignal;
  /** Client to read through. @default the default client (see processManager) */
  readonly client?: KinglyClient;
}

/**
 * A job's output lines (stdout and stderr interleaved, as execa's `all`), without the stream
 * name: `client.followLogs` gives the entries with their stream and time.
 */
export async function* streamLogs(id: string, options: StreamLogsOptions = {}): AsyncGenerator<string> {
  const { client, ...rest } = options;
  for await (const entry of clientOr(client).followLogs(id, rest)) yield entry.line;
}

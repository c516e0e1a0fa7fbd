import { KinglyClient } from '../client/kingly-client.js';
import { resolveConfig } from '../config.js';
import { ErrorCodes, KinglyError } from '../errors.js';

let shared: KinglyClient | undefined;

/**
 * The client the seed's names use when given none: made on first use from `KINGLY_REDIS_URL`,
 * `KINGLY_PREFIX`, `KINGLY_QUEUE` and the nearest kingly.config.json (the CLI's resolution, read
 * at that moment), and kept until `closeDefaultClient()`.
 */
export function defaultClient(): KinglyClient {
  if (shared) return shared;
  const config = resolveConfig();
  // The CLI starts the local stack when no URL is set; a library must not start servers.
  if (config.redisUrl === undefined) {
    throw new KinglyError(ErrorCodes.CONFIG_INVALID, 'no Redis URL is configured for @kingly/cmd', {
      hint: "set KINGLY_REDIS_URL (or redisUrl in kingly.config.json), or run 'kingly up' and set KINGLY_REDIS_URL to the URL it prints; or pass a client",
    });
  }
  shared = new KinglyClient({ redisUrl: config.redisUrl, queue: config.queue, prefix: config.prefix });
  return shared;
}

/** Closes the default client, if one was made; the next use makes a new one from the config of then. */
export async function closeDefaultClient(): Promise<void> {
  const client = shared;
  shared = undefined;
  await client?.close();
}

/** The given client, else the default one. */
export const clientOr = (client: KinglyClient | undefined): KinglyClient => client ?? defaultClient();

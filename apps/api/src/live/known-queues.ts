import type { KinglyClient } from '@kingly/cmd';

/** Every queue that has had a job, the client's default queue first (kept in `@kingly/cmd`). */
export function knownQueues(client: KinglyClient): Promise<string[]> {
  return client.knownQueues();
}

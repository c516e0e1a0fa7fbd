import type { Command } from 'commander';
import type { KinglyClient, KinglyConfig } from '@kingly/cmd';
import { loadConfig, withClient } from '../context.js';
import { devServers, selectServers, type DevServer } from './servers.js';

/**
 * Runs `fn` with the dev servers a `kingly dev` command acts on (the one named, or all) and a
 * client. The definitions are read first, so a missing or bad one fails before anything starts.
 */
export async function withDevServers<T>(
  cmd: Command,
  name: string | undefined,
  fn: (client: KinglyClient, servers: DevServer[], config: KinglyConfig) => Promise<T>,
): Promise<T> {
  const config = await loadConfig(cmd);
  const servers = selectServers(devServers(config), name);
  return withClient(cmd, (client, resolved) => fn(client, servers, resolved));
}

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ErrorCodes, KinglyError } from '@kingly/cmd/lite';

/** Where redis-server is on PATH; E_REDIS_NOT_INSTALLED saying how to get it when it is not. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new KinglyError(ErrorCodes.REDIS_NOT_INSTALLED, 'redis-server is not installed (not found on PATH), and the local stack needs it', {
    hint:
      "install it (Debian/Ubuntu: 'sudo apt-get install redis-server'; macOS: 'brew install redis'), " +
      "or run Redis elsewhere (e.g. 'docker compose up -d redis') and set KINGLY_REDIS_URL",
  });
}

import { createServer } from 'node:net';
import { DEFAULT_API_PORT, ErrorCodes, KinglyError, type KinglyConfig } from '@kingly/cmd/lite';

export const API_PORT_ENV = 'KINGLY_API_PORT';

/** The API's port: the flag, else KINGLY_API_PORT, else `api.port` in kingly.config.json, else 7077. */
export function resolveApiPort(flag: number | undefined, config: Pick<KinglyConfig, 'apiPort'>, env: NodeJS.ProcessEnv = process.env): number {
  if (flag !== undefined) return flag;
  const fromEnv = env[API_PORT_ENV]?.trim();
  if (fromEnv) {
    const port = /^\d+$/.test(fromEnv) ? Number(fromEnv) : Number.NaN;
    if (!Number.isSafeInteger(port) || port < 1 || port > 65_535) {
      throw new KinglyError(ErrorCodes.BAD_INPUT, `${API_PORT_ENV} must be a whole number from 1 to 65535, got '${fromEnv}'`, {
        hint: `fix or unset ${API_PORT_ENV}`,
      });
    }
    return port;
  }
  return config.apiPort ?? DEFAULT_API_PORT;
}

/**
 * Fails with E_CONFLICT when something listens on host:port already, so `kingly up` says so before
 * it starts anything (the API would only find out once it loaded).
 */
export async function checkPortFree(host: string, port: number, howToChoose: string): Promise<void> {
  const inUse = await new Promise<boolean>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
  if (inUse) throw portTaken(host, port, howToChoose);
}

export const portTaken = (host: string, port: number, howToChoose: string): KinglyError =>
  new KinglyError(ErrorCodes.CONFLICT, `port ${port} on ${host} is already in use, so the API cannot listen there`, { hint: howToChoose });

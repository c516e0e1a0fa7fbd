import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ErrorCodes, KinglyError } from './errors.js';

/** A PEM file of the certificate authorities a `rediss://` server's certificate is checked against. */
export const REDIS_CA_ENV = 'KINGLY_REDIS_CA';

/**
 * TLS options of a `rediss://` connection: Node's trusted CAs, or only those of KINGLY_REDIS_CA
 * when it names a file (a private CA, such as a self-signed one). Never turns verification off.
 */
export function redisTlsOptions(env: NodeJS.ProcessEnv = process.env): ConnectionOptions {
  const file = env[REDIS_CA_ENV];
  if (!file) return {};
  try {
    return { ca: readFileSync(file) };
  } catch (error) {
    throw new KinglyError(ErrorCodes.BAD_INPUT, `${REDIS_CA_ENV}: cannot read the CA file '${file}' (${(error as Error).message})`, {
      hint: `set ${REDIS_CA_ENV} (or redisCaFile in kingly.config.json) to a PEM file of the CA that signed the Redis server's certificate`,
    });
  }
}

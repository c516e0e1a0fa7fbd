import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The environment variable that holds the API token; it wins over the token file. */
export const API_TOKEN_ENV = 'KINGLY_API_TOKEN';

/** Where `kingly up` keeps the API token it made, and the key that signs login sessions. */
export interface ApiSecretFiles {
  /** The bearer token (one line, mode 0600). */
  readonly tokenFile: string;
  /** Signs the pages' session cookies, so a restart of the API logs nobody out (mode 0600). */
  readonly sessionSecretFile: string;
}

export const apiSecretFiles = (home: string): ApiSecretFiles => ({
  tokenFile: join(home, 'api-token'),
  sessionSecretFile: join(home, 'api-session-secret'),
});

/** Where the token in use came from. */
export type TokenSource = 'env' | 'file';

export interface ApiToken {
  readonly token: string;
  readonly source: TokenSource;
}

/** The first line of a file, or undefined when it is missing or empty. */
function readSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]!.trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes a new secret unless the file exists (then its content wins); returns what the file holds. */
function createSecret(file: string, value: string): string {
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${value}\n`);
    } finally {
      closeSync(fd);
    }
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecret(file) ?? value;
  }
}

/** As the API reads it (any non-empty value, untrimmed). */
const fromEnv = (env: NodeJS.ProcessEnv): string | undefined => env[API_TOKEN_ENV] || undefined;

/** A token in hand: KINGLY_API_TOKEN, else the token file, else undefined (see ensureApiToken). */
export function findApiToken(home: string, env: NodeJS.ProcessEnv = process.env): ApiToken | undefined {
  const token = fromEnv(env);
  if (token) return { token, source: 'env' };
  const saved = readSecret(apiSecretFiles(home).tokenFile);
  return saved ? { token: saved, source: 'file' } : undefined;
}

/** The token `kingly up` and `kingly api` use: KINGLY_API_TOKEN, else the token file, made (32 random bytes, mode 0600) when missing. */
export function ensureApiToken(home: string, env: NodeJS.ProcessEnv = process.env): ApiToken {
  const found = findApiToken(home, env);
  if (found) return found;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return { token: createSecret(apiSecretFiles(home).tokenFile, randomBytes(32).toString('base64url')), source: 'file' };
}

/** Makes the session secret file when missing (`kingly up`). */
export function ensureSessionSecret(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  createSecret(apiSecretFiles(home).sessionSecretFile, randomBytes(32).toString('hex'));
}

/**
 * The key that signs session cookies: the saved secret bound to the token, so sessions survive a
 * restart of the API but end when the token changes. Undefined when no secret is saved (the API
 * then makes a random one, and a restart logs everyone out).
 */
export function sessionSecretFor(home: string, token: string | undefined): string | undefined {
  const secret = readSecret(apiSecretFiles(home).sessionSecretFile);
  return secret === undefined ? undefined : createHmac('sha256', secret).update(token ?? '').digest('hex');
}

/** A short, one-way mark of a token: tells whether a running API uses the token in hand, never reveals it. */
export const tokenFingerprint = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 16);

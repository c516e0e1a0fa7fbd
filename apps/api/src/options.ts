import { randomBytes } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import type { KinglyClient } from '@kingly/cmd';

/** How the API app is built. Every field but redisUrl has a default. */
export interface ApiOptions {
  /** Redis URL (`redis://…`, `rediss://…`, `unix:///path`). @default none (required) */
  readonly redisUrl: string;
  /** Queue `POST /api/jobs` puts jobs on when the request names none. @default "commands" */
  readonly queue?: string;
  /** Prefix of every Redis key. @default "kingly" */
  readonly prefix?: string;
  /**
   * Bearer token every route but /healthz and /login needs. Unset turns auth off, which
   * `startApiServer` allows on a loopback address only. @default undefined (no auth)
   */
  readonly token?: string;
  /** Largest request body in bytes; larger ones get 413. @default 1048576 (1 MiB) */
  readonly bodyLimit?: number;
  /** Failed authentications one client address may make per window before it gets 429. @default 20 */
  readonly authFailureLimit?: number;
  /** The window of `authFailureLimit`, ms. @default 60000 */
  readonly authFailureWindowMs?: number;
  /** How long a login session cookie stays valid, ms. @default 43200000 (12 h) */
  readonly sessionTtlMs?: number;
  /** Key that signs session cookies; sessions end when it changes. @default random per app */
  readonly sessionSecret?: string;
  /** Log lines Bull Board shows on a job's Logs tab (the tail of its output). @default 200 */
  readonly boardLogLines?: number;
  /** Fastify logger setting; tokens and cookies are redacted. @default false */
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * A client to use instead of opening one; the caller keeps ownership and closes it.
   * @default a client on redisUrl/prefix/queue, closed with the app
   */
  readonly client?: KinglyClient;
}

export type ResolvedApiOptions = Required<Omit<ApiOptions, 'token' | 'client' | 'logger'>> &
  Pick<ApiOptions, 'token' | 'client' | 'logger'>;

export const MIB = 1024 * 1024;

export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  return {
    redisUrl: options.redisUrl,
    queue: options.queue ?? 'commands',
    prefix: options.prefix ?? 'kingly',
    token: options.token === '' ? undefined : options.token,
    bodyLimit: options.bodyLimit ?? MIB,
    authFailureLimit: options.authFailureLimit ?? 20,
    authFailureWindowMs: options.authFailureWindowMs ?? 60_000,
    sessionTtlMs: options.sessionTtlMs ?? 12 * 3600 * 1000,
    sessionSecret: options.sessionSecret ?? randomBytes(32).toString('hex'),
    boardLogLines: options.boardLogLines ?? 200,
    logger: options.logger ?? false,
    client: options.client,
  };
}

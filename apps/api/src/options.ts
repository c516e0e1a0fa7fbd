import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import type { WebhookConfig } from '@kingly/cmd';
import { checkWebhooks } from './webhooks/check.js';
import type { WebhookRetryOptions } from './webhooks/deliver.js';
import { badInput, DEFAULT_QUEUE, resolvePrefix, type KinglyClient } from '@kingly/cmd';

/** How the API app is built. Every field but redisUrl has a default. */
export interface ApiOptions {
  /** Redis URL (`redis://…`, `rediss://…`, `unix:///path`). @default none (required) */
  readonly redisUrl: string;
  /** Queue `POST /api/jobs` puts jobs on when the request names none. @default "commands" */
  readonly queue?: string;
  /**
   * Absolute working directory of a job posted without `cwd` (and without `worktree`): a server
   * has no "current directory" of its caller, and the worker's own would be an accident.
   * @default undefined (such a job is refused: 400 naming `cwd`)
   */
  readonly defaultCwd?: string;
  /** Prefix of every Redis key; on a Redis Cluster it must hold a hash tag (`{kingly}`). @default "kingly" ("{kingly}" on a cluster URL) */
  readonly prefix?: string;
  /**
   * Bearer token every route but /healthz and /login needs. There is no tokenless mode: without
   * auth any web page the user visits could post jobs to a loopback API. @default none (required)
   */
  readonly token: string;
  /**
   * Host names (no port) the API answers besides loopback names and IP addresses; any other
   * Host header is refused (403), so a DNS-rebound name cannot reach it. Put here the names
   * clients use, e.g. a reverse proxy's. @default [] (loopback names and IP addresses only)
   */
  readonly allowedHosts?: readonly string[];
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
  /** Where this process POSTs job endings (kingly.config.json `webhooks`), signed. @default [] (none) */
  readonly webhooks?: readonly WebhookConfig[];
  /** This process's consumer name in the webhooks' consumer groups: unique among API replicas, kept across restarts. @default "<host>-<pid>" */
  readonly webhookConsumer?: string;
  /** How webhook deliveries are retried. @default see WebhookRetryOptions */
  readonly webhookRetry?: WebhookRetryOptions;
  /** Where failed webhook attempts are reported, a line each (never a secret). @default stderr */
  readonly webhookLog?: (line: string) => void;
}

type WebhookOptionNames = 'webhooks' | 'webhookConsumer' | 'webhookRetry' | 'webhookLog';

export type ResolvedApiOptions = Required<Omit<ApiOptions, 'client' | 'logger' | 'defaultCwd' | WebhookOptionNames>> & Pick<ApiOptions, 'client' | 'logger' | 'defaultCwd'>;

export const MIB = 1024 * 1024;

/** A host name or address as it appears in a Host header, without the port. */
const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*|\[[0-9a-f:.]+\])$/i;

/** The shortest token the API takes. */
export const MIN_TOKEN_CHARS = 16;

/** Refuses options the API cannot run with (no token, a malformed host name), naming the option. */
export function checkApiOptions(options: Pick<ApiOptions, 'token' | 'allowedHosts' | 'webhooks' | 'defaultCwd'>): void {
  checkWebhooks(options.webhooks ?? []);
  if (options.defaultCwd !== undefined && !isAbsolute(options.defaultCwd)) {
    throw badInput(`defaultCwd: must be an absolute path, got '${options.defaultCwd.slice(0, 200)}'`);
  }
  if (typeof options.token !== 'string' || options.token === '') {
    throw badInput('token: required; the API has no tokenless mode', "set KINGLY_API_TOKEN, or let 'kingly api' or 'kingly up' make KINGLY_HOME/api-token");
  }
  // A right token always passes the failure limit (so nobody can lock the owner out): the limit
  // then slows guessing of wrong ones only, which a short token would not survive.
  if ([...options.token].length < MIN_TOKEN_CHARS) {
    throw badInput(
      `token: is ${[...options.token].length} characters; at least ${MIN_TOKEN_CHARS} are needed`,
      "use a random one, e.g. KINGLY_API_TOKEN=$(openssl rand -hex 24), or let 'kingly api' or 'kingly up' make one",
    );
  }
  for (const name of options.allowedHosts ?? []) {
    if (typeof name !== 'string' || !HOST_NAME.test(name)) {
      throw badInput(
        `allowedHosts: expected host names such as 'kingly.example.com' (no port), got ${JSON.stringify(name)}`,
        'set them with --allowed-host NAME or KINGLY_API_ALLOWED_HOSTS=a.example,b.example',
      );
    }
  }
}

export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  checkApiOptions(options);
  return {
    redisUrl: options.redisUrl,
    queue: options.queue ?? DEFAULT_QUEUE,
    prefix: resolvePrefix(options.redisUrl, options.prefix),
    token: options.token,
    allowedHosts: (options.allowedHosts ?? []).map((name) => name.toLowerCase()),
    bodyLimit: options.bodyLimit ?? MIB,
    authFailureLimit: options.authFailureLimit ?? 20,
    authFailureWindowMs: options.authFailureWindowMs ?? 60_000,
    sessionTtlMs: options.sessionTtlMs ?? 12 * 3600 * 1000,
    sessionSecret: options.sessionSecret ?? randomBytes(32).toString('hex'),
    boardLogLines: options.boardLogLines ?? 200,
    logger: options.logger ?? false,
    client: options.client,
    defaultCwd: options.defaultCwd,
  };
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '@kingly/cmd';
import { ApiErrorCodes, makeErrorBody, sendError } from '../errors.js';
import { bearerToken, SESSION_COOKIE, SessionSigner, tokensEqual } from './credentials.js';
import { clearSessionCookie } from './session-cookie.js';

/** Routes anyone may call (the login page needs its style sheet). */
const OPEN_PATHS = new Set(['/healthz', '/login', '/logout', '/page/style.css']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthGuardOptions {
  /** The bearer token. @default none (required) */
  readonly token: string;
  /** Checks session cookies from /login. @default none (required) */
  readonly sessions: SessionSigner;
  /** Wrong credentials one address may present per window before it gets 429. @default none (required) */
  readonly failureLimit: number;
  /** The window of failureLimit, ms. @default none (required) */
  readonly failureWindowMs: number;
}

/** Counts failed authentications per client address (the @fastify/rate-limit store). */
export interface FailureCounter {
  /** Seconds until the address may try again, or 0 when it may try now. */
  blockedFor(request: FastifyRequest): Promise<number>;
  record(request: FastifyRequest): Promise<void>;
}

export function failureCounter(app: FastifyInstance, max: number, windowMs: number): FailureCounter {
  const limiter = app.createRateLimit({ max, timeWindow: windowMs });
  return {
    async blockedFor(request) {
      const state = await limiter(request, { increment: false });
      return !state.isAllowed && state.remaining <= 0 ? Math.max(1, state.ttlInSeconds) : 0;
    },
    async record(request) {
      await limiter(request);
    },
  };
}

export function rateLimited(reply: FastifyReply, seconds: number): FastifyReply {
  reply.header('retry-after', String(seconds));
  return sendError(reply, makeErrorBody(ApiErrorCodes.RATE_LIMITED, `too many failed authentications; try again in ${seconds}s`));
}

const refuseCrossSite = (reply: FastifyReply): FastifyReply =>
  sendError(reply, makeErrorBody(ApiErrorCodes.FORBIDDEN, 'cross-site request refused; use the page or a bearer token'));

/**
 * Every route but the open ones needs `Authorization: Bearer <token>` or a session cookie from
 * /login; a state-changing request another site made is refused (the open POST /login and /logout
 * too). A right credential always passes: every local user is 127.0.0.1, so counting it with the
 * failures would let anyone lock the owner out. Wrong ones are counted per address and, past the
 * limit, answered 429. A browser navigation without credentials is sent to the login page.
 */
export function installAuthGuard(app: FastifyInstance, options: AuthGuardOptions): FailureCounter {
  const failures = failureCounter(app, options.failureLimit, options.failureWindowMs);
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (OPEN_PATHS.has(path)) return crossSite(request) ? refuseCrossSite(reply) : undefined;
    const bearer = bearerToken(request.headers.authorization);
    const cookie = request.cookies[SESSION_COOKIE];
    const presented = bearer !== undefined || request.headers.authorization !== undefined || cookie !== undefined;
    if (presented) {
      if (bearer !== undefined && tokensEqual(bearer, options.token)) return;
      if (bearer === undefined && request.headers.authorization === undefined && options.sessions.verify(cookie)) {
        return crossSite(request) ? refuseCrossSite(reply) : undefined;
      }
      const wait = await failures.blockedFor(request);
      if (wait > 0) return rateLimited(reply, wait);
      await failures.record(request);
      // A stale cookie is dropped so the browser stops presenting it.
      if (cookie !== undefined) clearSessionCookie(reply, request);
    }
    if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
    }
    reply.header('www-authenticate', 'Bearer realm="kingly"');
    return sendError(
      reply,
      makeErrorBody(
        ErrorCodes.UNAUTHORIZED,
        presented ? 'wrong or expired credentials' : 'authentication required',
        "send 'Authorization: Bearer <token>' (KINGLY_API_TOKEN) or log in at /login",
      ),
    );
  });
  return failures;
}

/** A state-changing request a browser made from another site (CSRF), judged by its own headers. */
function crossSite(request: FastifyRequest): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  // Sec-Fetch-Site is set by the browser alone, so when present it decides: Origin may be "null"
  // on the page's own form posts (Referrer-Policy: no-referrer). Older browsers: Origin.
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    const origin_ = new URL(origin);
    // Both sides through URL, so a default port written or left out compares equal.
    return origin_.host !== new URL(`${origin_.protocol}//${request.headers.host ?? ''}`).host;
  } catch {
    return true;
  }
}

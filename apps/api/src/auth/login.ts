import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml, PAGE_HEADERS, type PageFile } from '../page-files.js';
import { tokensEqual, type SessionSigner } from './credentials.js';
import { rateLimited, type FailureCounter } from './guard.js';
import { safeNext } from './next-path.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

export interface LoginOptions {
  /** The API token. @default none (required) */
  readonly token: string;
  /** Issues session cookies. @default none (required) */
  readonly sessions: SessionSigner;
  /** Counts failed logins with the other failed authentications. @default none (required) */
  readonly failures: FailureCounter;
  /** login.html, with {{next}} and {{message}} to fill in. @default none (required) */
  readonly template: PageFile;
}

/**
 * GET /login shows a token form; POST /login trades the token for an httpOnly session cookie.
 * The form body parser lives in this scope only: a cross-site HTML form can post
 * application/x-www-form-urlencoded without a preflight, so /api answers such a body 415.
 */
export async function registerLoginRoutes(app: FastifyInstance, options: LoginOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    loginRoutes(scope, options);
  });
}

function loginRoutes(app: FastifyInstance, options: LoginOptions): void {
  const page = (reply: FastifyReply, status: number, next: string, message: string): FastifyReply =>
    reply
      .code(status)
      .headers(PAGE_HEADERS)
      .type(options.template.type)
      .send(
        options.template.body
          .replaceAll('{{next}}', escapeHtml(next))
          .replaceAll('{{message}}', message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''),
      );

  app.get<{ Querystring: { next?: string } }>(
    '/login',
    { schema: { hide: true, querystring: { type: 'object', properties: { next: { type: 'string' } } } } },
    async (request, reply) => page(reply, 200, safeNext(request.query.next), ''),
  );

  app.post<{ Body: { token?: unknown; next?: unknown } }>('/login', { schema: { hide: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as { token?: unknown; next?: unknown };
    const next = safeNext(body.next);
    // The right token always logs in; only wrong ones are counted and, past the limit, refused.
    if (typeof body.token === 'string' && tokensEqual(body.token.trim(), options.token)) {
      setSessionCookie(reply, request, options.sessions.issue(), options.sessions.ttlMs);
      return reply.redirect(next, 303);
    }
    const wait = await options.failures.blockedFor(request);
    if (wait > 0) {
      if (!(request.headers.accept ?? '').includes('text/html')) return rateLimited(reply, wait);
      reply.header('retry-after', String(wait));
      return page(reply, 429, next, `Too many failed attempts. Try again in ${wait} s.`);
    }
    await options.failures.record(request);
    return page(reply, 401, next, 'That token is not right.');
  });

  // GET too, so Bull Board's menu can link to it; ending a session is harmless to be tricked into.
  app.route({
    method: ['GET', 'POST'],
    url: '/logout',
    schema: { hide: true },
    handler: async (request, reply) => {
      clearSessionCookie(reply, request);
      return reply.redirect('/login', 303);
    },
  });
}

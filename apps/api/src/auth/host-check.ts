import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiErrorCodes, makeErrorBody, sendError } from '../errors.js';

/** `name`, `name:port`, `[v6]` or `[v6]:port`, as a browser writes a Host header. */
const HOST_HEADER = /^(?<name>[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Whether the API answers a request with this Host header. A DNS-rebinding page sends its own
 * domain name as Host, so names must be ours: `localhost` or one of `allowed`. An IP address
 * (127.x, [::1], the address the server listens on, any other) cannot be rebound — a page whose
 * origin is an address was served from that address — so addresses pass. No Host (HTTP/1.0)
 * comes from no browser.
 */
export function hostAllowed(host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (host === undefined) return true;
  const name = HOST_HEADER.exec(host)?.groups?.name?.toLowerCase();
  if (name === undefined) return false;
  if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
  return name === 'localhost' || allowed.has(name);
}

/** Refuses (403) every request, /healthz included, whose Host is not this machine's or an allowed name. */
export function installHostCheck(app: FastifyInstance, allowedHosts: readonly string[]): void {
  const allowed = new Set(allowedHosts.map((name) => name.toLowerCase()));
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (hostAllowed(host, allowed)) return;
    const shown = JSON.stringify(host).slice(1, -1).slice(0, 200);
    return sendError(
      reply,
      makeErrorBody(
        ApiErrorCodes.FORBIDDEN,
        `Host '${shown}' is not one this API answers to (DNS rebinding guard)`,
        'use 127.0.0.1 or localhost, or add the name with --allowed-host or KINGLY_API_ALLOWED_HOSTS',
      ),
    );
  });
}

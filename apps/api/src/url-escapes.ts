import type { FastifyInstance, FastifyReply } from 'fastify';
import { badInput } from '@kingly/cmd';
import { makeErrorBody, sendError } from './errors.js';

/** True when decodeURIComponent accepts the text (every % starts a valid UTF-8 escape). */
export function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

const decodeName = (raw: string): string => {
  const name = raw.replace(/\+/g, ' ');
  return decodes(name) ? decodeURIComponent(name) : name;
};

/** The first query parameter of the raw URL whose name or value is a malformed escape, or undefined. */
export function malformedQueryParameter(url: string): string | undefined {
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  for (const pair of url.slice(start + 1).split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (!decodes(name) || !decodes(value)) return decodeName(name).slice(0, 60);
  }
  return undefined;
}

/**
 * Answers 400 naming the parameter. Sent, not thrown: Bull Board's routes have an error handler
 * of their own that makes every thrown error a 500.
 */
export function refuseMalformedEscape(reply: FastifyReply, name: string): FastifyReply {
  const error = badInput(`query parameter ${name}: malformed percent-escape (each % must start a %XX escape of UTF-8)`);
  return sendError(reply, makeErrorBody(error.code, error.message));
}

/**
 * A malformed escape in the query is a 400 naming the parameter, for every route: the query
 * parser passes such values through raw, and code that decodes them again (Bull Board) threw
 * "URI malformed" as a 500. Paths are checked by Fastify's router (FST_ERR_BAD_URL, see errors.ts).
 */
export function installEscapeCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const name = malformedQueryParameter(request.url);
    if (name !== undefined) return refuseMalformedEscape(reply, name);
  });
}

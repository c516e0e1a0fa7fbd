import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCodes, isKinglyError, isNoPermission, type ErrorCode } from '@kingly/cmd';

/** Codes only HTTP has (the rest come from `@kingly/cmd`'s ErrorCodes). Stable; never rename. */
export const ApiErrorCodes = {
  BODY_TOO_LARGE: 'E_BODY_TOO_LARGE',
  RATE_LIMITED: 'E_RATE_LIMITED',
  NOT_FOUND: 'E_NOT_FOUND',
  UNSUPPORTED_MEDIA_TYPE: 'E_UNSUPPORTED_MEDIA_TYPE',
  FORBIDDEN: 'E_FORBIDDEN',
  /** Redis refused the command to the API's ACL user (a read-only user cannot enqueue or kill). */
  NO_PERMISSION: 'E_NO_PERMISSION',
  INTERNAL: 'E_INTERNAL',
} as const;

export type ApiErrorCode = (typeof ApiErrorCodes)[keyof typeof ApiErrorCodes];

/** The body of every error response. */
export interface ErrorBody {
  readonly statusCode: number;
  readonly code: ErrorCode | ApiErrorCode;
  /** The HTTP reason phrase, e.g. "Bad Request". */
  readonly error: string;
  readonly message: string;
  /** What to do about it, when kingly knows. */
  readonly hint?: string;
}

/** The one place a kingly error code becomes an HTTP status. */
const STATUS_BY_CODE: Record<ErrorCode | ApiErrorCode, number> = {
  [ErrorCodes.BAD_INPUT]: 400,
  [ErrorCodes.CONFIG_INVALID]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.JOB_NOT_FOUND]: 404,
  [ErrorCodes.CONFLICT]: 409,
  [ErrorCodes.AMBIGUOUS_JOB]: 409,
  [ErrorCodes.WORKER_GONE]: 409,
  [ErrorCodes.REDIS_UNREACHABLE]: 503,
  [ErrorCodes.REDIS_NOT_INSTALLED]: 503,
  [ErrorCodes.STACK_FAILED]: 503,
  [ErrorCodes.CLIENT_CLOSED]: 503,
  [ErrorCodes.TIMEOUT]: 504,
  [ApiErrorCodes.FORBIDDEN]: 403,
  [ApiErrorCodes.NO_PERMISSION]: 403,
  [ApiErrorCodes.NOT_FOUND]: 404,
  [ApiErrorCodes.BODY_TOO_LARGE]: 413,
  [ApiErrorCodes.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ApiErrorCodes.RATE_LIMITED]: 429,
  [ApiErrorCodes.INTERNAL]: 500,
};

export const statusFor = (code: ErrorCode | ApiErrorCode): number => STATUS_BY_CODE[code] ?? 500;

export function makeErrorBody(code: ErrorCode | ApiErrorCode, message: string, hint?: string): ErrorBody {
  const statusCode = statusFor(code);
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(hint ? { hint } : {}) };
}

/** Fastify's own errors (body parsing, limits) in kingly's terms. */
const FASTIFY_ERRORS: Record<string, (error: FastifyError) => [ErrorCode | ApiErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => [ApiErrorCodes.BODY_TOO_LARGE, 'request body is too large'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => [ErrorCodes.BAD_INPUT, 'body: its length does not match Content-Length'],
  FST_ERR_CTP_INVALID_JSON_BODY: () => [ErrorCodes.BAD_INPUT, 'body: not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: () => [ErrorCodes.BAD_INPUT, "body: empty, but Content-Type is 'application/json'"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => [ApiErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'body: send application/json'],
  // The router could not decode the path (see frameworkErrors in app.ts).
  FST_ERR_BAD_URL: () => [ErrorCodes.BAD_INPUT, 'path: malformed percent-escape (each % must start a %XX escape of UTF-8)'],
};

/**
 * What any thrown value becomes on the wire. Bad input never turns into a 500: only errors that
 * are neither kingly's nor a client's mistake do, and those are logged.
 */
export function errorBodyFor(error: unknown, bodyLimit: number): { body: ErrorBody; internal: boolean } {
  if (isKinglyError(error)) return { body: makeErrorBody(error.code, error.message, error.hint), internal: false };
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (known) {
    const [code, message] = known(fastifyError as FastifyError);
    const limit = code === ApiErrorCodes.BODY_TOO_LARGE ? ` (the limit is ${bodyLimit} bytes)` : '';
    return { body: makeErrorBody(code, `${message}${limit}`), internal: false };
  }
  if (isNoPermission(error)) {
    const message = `Redis refused this to the API's user: ${(error as Error).message}`;
    return { body: makeErrorBody(ApiErrorCodes.NO_PERMISSION, message, "the API's Redis user has read-only rules (docs/scaling.md); use a user that may write to enqueue or kill"), internal: false };
  }
  // decodeURIComponent on something from the URL, wherever it happened.
  if (error instanceof URIError) return { body: makeErrorBody(ErrorCodes.BAD_INPUT, `URL: ${error.message}`), internal: false };
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code =
      status === 401 ? ErrorCodes.UNAUTHORIZED
      : status === 403 ? ApiErrorCodes.FORBIDDEN
      : status === 404 ? ApiErrorCodes.NOT_FOUND
      : status === 413 ? ApiErrorCodes.BODY_TOO_LARGE
      : status === 415 ? ApiErrorCodes.UNSUPPORTED_MEDIA_TYPE
      : status === 429 ? ApiErrorCodes.RATE_LIMITED
      : ErrorCodes.BAD_INPUT;
    const body = makeErrorBody(code, fastifyError.message ?? 'bad request');
    return { body: { ...body, statusCode: status, error: STATUS_CODES[status] ?? 'Error' }, internal: false };
  }
  return { body: makeErrorBody(ApiErrorCodes.INTERNAL, 'internal error; see the API log'), internal: true };
}

export function sendError(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

/** Fastify's `frameworkErrors`: errors raised before routing (a path that does not decode), in kingly's shape. */
export const frameworkErrors =
  (bodyLimit: number) =>
  (error: FastifyError, _request: unknown, reply: FastifyReply): void => {
    void sendError(reply, errorBodyFor(error, bodyLimit).body);
  };

/** Installs the one error handler and the not-found handler. */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error, request, reply) => {
    const { body, internal } = errorBodyFor(error, bodyLimit);
    if (internal) request.log.error({ err: error }, 'unhandled error');
    if (reply.raw.headersSent) {
      // A streaming response failed midway: nothing can be sent any more.
      reply.raw.destroy();
      return;
    }
    return sendError(reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, makeErrorBody(ApiErrorCodes.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/** Stable error codes. The CLI maps them to exit codes, the API to HTTP statuses; never renumber. */
export const ErrorCodes = {
  BAD_INPUT: 'E_BAD_INPUT',
  JOB_NOT_FOUND: 'E_JOB_NOT_FOUND',
  REDIS_UNREACHABLE: 'E_REDIS_UNREACHABLE',
  REDIS_NOT_INSTALLED: 'E_REDIS_NOT_INSTALLED',
  CONFIG_INVALID: 'E_CONFIG_INVALID',
  TIMEOUT: 'E_TIMEOUT',
  STACK_FAILED: 'E_STACK_FAILED',
  WORKER_GONE: 'E_WORKER_GONE',
  CONFLICT: 'E_CONFLICT',
  UNAUTHORIZED: 'E_UNAUTHORIZED',
  /** The client was closed while a wait or follower was still pending. */
  CLIENT_CLOSED: 'E_CLIENT_CLOSED',
  /** A bare id names plain BullMQ jobs on more than one queue: say which with `queue`. */
  AMBIGUOUS_JOB: 'E_AMBIGUOUS_JOB',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface KinglyErrorOptions {
  /** What the user can do about it, printed after the message. @default undefined */
  readonly hint?: string;
  /** The underlying error. @default undefined */
  readonly cause?: unknown;
}

/**
 * The brand of kingly's errors, from the global symbol registry: an error made by another copy of
 * this package (a bundled CLI beside node_modules, two versions in one tree) is still recognised.
 */
export const KINGLY_ERROR: unique symbol = Symbol.for('kingly.error') as typeof KINGLY_ERROR;

/** Every error kingly throws on purpose. `code` is stable; `message` says what went wrong. */
export class KinglyError extends Error {
  /** The brand isKinglyError checks (never the class or the name). */
  readonly [KINGLY_ERROR] = true;
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: KinglyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KinglyError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** True for an error any copy of @kingly/cmd made: it carries the KINGLY_ERROR brand. */
export const isKinglyError = (error: unknown): error is KinglyError =>
  typeof error === 'object' && error !== null && (error as { [KINGLY_ERROR]?: unknown })[KINGLY_ERROR] === true;

export const badInput = (message: string, hint?: string): KinglyError =>
  new KinglyError(ErrorCodes.BAD_INPUT, message, { hint });

export const jobNotFound = (id: string): KinglyError =>
  new KinglyError(ErrorCodes.JOB_NOT_FOUND, `no job with id '${id}'`, {
    hint: "list jobs with 'kingly jobs'",
  });

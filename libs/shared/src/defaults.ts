import { ErrorCodes, KinglyError } from './errors.js';
import { RESERVED_QUEUE_NAMES } from './keys.js';

/** The queue jobs go to when nothing names one (flag, KINGLY_QUEUE, config file). */
export const DEFAULT_QUEUE = 'commands';

/** The TCP port the HTTP API listens on when nothing names one. */
export const DEFAULT_API_PORT = 7077;

/**
 * What a queue name may be (BullMQ's keys and kingly's job ids hold it), as a JSON-schema pattern:
 * a queue, or a host queue `<queue>@<host>` (hostQueueName).
 */
export const QUEUE_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,100}(@[A-Za-z0-9_.-]{1,100})?$';
const QUEUE_NAME = new RegExp(QUEUE_NAME_PATTERN);
const HOST_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The queue name, or E_BAD_INPUT saying why it cannot be one. */
export function validateQueueName(queue: string): string {
  const problem = queueNameProblem(queue);
  if (problem) throw new KinglyError(ErrorCodes.BAD_INPUT, `queue: ${problem}`);
  return queue;
}

/** Why `name` cannot be a queue name, or undefined when it can. */
export function queueNameProblem(name: string): string | undefined {
  // A rejected name is echoed only in part: it may be a megabyte long.
  if (!QUEUE_NAME.test(name)) return `expected 1 to 100 letters, digits, '_', '.' or '-' (then @<host> for a host's queue), got '${shortened(name)}'`;
  const base = queueBase(name);
  if (RESERVED_QUEUE_NAMES.has(base)) return `'${base}' is a name kingly uses for its own keys; pick another queue name`;
  return undefined;
}

const shortened = (value: string): string => (value.length > 120 ? `${value.slice(0, 100)}…` : value);

/**
 * The queue of the jobs that must run on one host (`<queue>@<host>`): every worker takes jobs from
 * its queue and from its host's queue, so a job put there runs only on that host (a job in a kept
 * worktree, whose path exists on that machine only). Without a live worker on the host, it waits.
 * E_BAD_INPUT when the host cannot be part of a queue name.
 */
export function hostQueueName(queue: string, host: string): string {
  const problem = hostProblem(host);
  if (problem) throw new KinglyError(ErrorCodes.BAD_INPUT, `host: ${problem}`);
  return validateQueueName(`${queueBase(validateQueueName(queue))}@${host}`);
}

/** Why `host` cannot name a host queue (hostQueueName), or undefined when it can. */
export function hostProblem(host: string): string | undefined {
  return HOST_NAME.test(host) ? undefined : `expected 1 to 100 letters, digits, '_', '.' or '-', got '${shortened(host)}'`;
}

/** The host a host queue's jobs run on (hostQueueName), or undefined for a shared queue. */
export function queueHost(queue: string): string | undefined {
  const at = queue.indexOf('@');
  return at === -1 ? undefined : queue.slice(at + 1);
}

/** The queue a host queue belongs to (`commands` of `commands@box1`); a shared queue is its own. */
export function queueBase(queue: string): string {
  const at = queue.indexOf('@');
  return at === -1 ? queue : queue.slice(0, at);
}

/** True when a worker of `worker.queue` on `worker.host` takes jobs from `queue`: its own queue, or its host's queue. */
export function takesFrom(worker: { readonly queue: string; readonly host: string }, queue: string): boolean {
  const host = queueHost(queue);
  return worker.queue === queue || (host !== undefined && worker.host === host && worker.queue === queueBase(queue));
}

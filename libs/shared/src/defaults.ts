import { ErrorCodes, KinglyError } from './errors.js';
import { RESERVED_QUEUE_NAMES } from './keys.js';

/** The queue jobs go to when nothing names one (flag, KINGLY_QUEUE, config file). */
export const DEFAULT_QUEUE = 'commands';

/** The TCP port the HTTP API listens on when nothing names one. */
export const DEFAULT_API_PORT = 7077;

/** What a queue name may be (BullMQ's keys and kingly's job ids hold it), as a JSON-schema pattern. */
export const QUEUE_NAME_PATTERN = '^[A-Za-z0-9_.-]{1,100}$';
const QUEUE_NAME = new RegExp(QUEUE_NAME_PATTERN);

/** The queue name, or E_BAD_INPUT saying why it cannot be one. */
export function validateQueueName(queue: string): string {
  const problem = queueNameProblem(queue);
  if (problem) throw new KinglyError(ErrorCodes.BAD_INPUT, `queue: ${problem}`);
  return queue;
}

/** Why `name` cannot be a queue name, or undefined when it can. */
export function queueNameProblem(name: string): string | undefined {
  // A rejected name is echoed only in part: it may be a megabyte long.
  if (!QUEUE_NAME.test(name)) return `expected 1 to 100 letters, digits, '_', '.' or '-', got '${name.length > 120 ? `${name.slice(0, 100)}…` : name}'`;
  if (RESERVED_QUEUE_NAMES.has(name)) return `'${name}' is a name kingly uses for its own keys; pick another queue name`;
  return undefined;
}

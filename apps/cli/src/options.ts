import { InvalidArgumentError, Option, type Command } from 'commander';
import { hostProblem, queueNameProblem, redactUrl } from '@kingly/cmd/lite';

/** Options every command takes (before or after the command name). */
export interface GlobalOptions {
  /** Redis to use. @default KINGLY_REDIS_URL, kingly.config.json, else the local stack */
  readonly redisUrl?: string;
  /** Prefix of every Redis key. @default KINGLY_PREFIX, kingly.config.json, else "kingly" */
  readonly prefix?: string;
  /** Where the local stack keeps its state. @default KINGLY_HOME, kingly.config.json, else ~/.kingly */
  readonly home?: string;
  /** Print stack traces of errors. @default false */
  readonly debug?: boolean;
}

const REDIS_URL = /^(rediss?:\/\/|unix:\/\/\/|redis\+sentinel:\/\/|rediss?\+cluster:\/\/)/;

function redisUrl(value: string): string {
  if (!REDIS_URL.test(value)) {
    throw new InvalidArgumentError(`expected redis://host:port, rediss://…, unix:///path/to.sock, redis+sentinel://… or redis+cluster://…, got '${redactUrl(value)}'`);
  }
  return value;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a non-empty value, got an empty one');
  return value;
}

/** Adds the global options to a command, under their own heading in its help. */
export function addGlobalOptions(command: Command): Command {
  command.optionsGroup('Global Options:');
  command
    .addOption(new Option('--redis-url <url>', 'Redis to use (default: $KINGLY_REDIS_URL, else the local stack)').argParser(redisUrl))
    .addOption(new Option('--prefix <prefix>', 'prefix of every Redis key (default: $KINGLY_PREFIX or "kingly"; "{kingly}" on a Redis Cluster)').argParser(nonEmpty))
    .addOption(new Option('--home <dir>', 'where the local stack lives (default: $KINGLY_HOME or ~/.kingly)').argParser(nonEmpty))
    .addOption(new Option('--debug', 'show stack traces of errors'));
  command.optionsGroup('Options:');
  return command;
}

/** A whole number in [min, max]; the error names what was expected and what came. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected ${range}, got '${value}'`);
    }
    return n;
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Collects repeated `--env KEY=VALUE` into a record. */
export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  const key = eq === -1 ? value : value.slice(0, eq);
  if (eq === -1 || !ENV_NAME.test(key)) {
    throw new InvalidArgumentError(`expected KEY=VALUE with KEY made of letters, digits and '_' (not starting with a digit), got '${value}'`);
  }
  return { ...previous, [key]: value.slice(eq + 1) };
}

/** A worker's host id, as it can name the host's queue (`<queue>@<host>`). */
export function hostId(value: string): string {
  const problem = hostProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/** A queue name as BullMQ and kingly accept it. */
export function queueName(value: string): string {
  const problem = queueNameProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

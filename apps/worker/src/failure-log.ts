/** A failure that repeats is said again after this long (with how often it happened). */
const REPEAT_AFTER_MS = 60_000;

/**
 * The worker's log for the loops that keep workers honest (heartbeat, reaper, sampler, BullMQ's
 * lock renewal). Every failure is reported with what failed; one that repeats every tick is said
 * once (again when its message changes, and once a minute while it lasts), and so is the
 * recovery, so a Redis outage does not bury the rest of the log.
 */
export class FailureLog {
  readonly #log: (line: string) => void;
  /** What is failing now → its last logged message, when, and the repeats not logged since. */
  readonly #failing = new Map<string, { message: string; at: number; repeats: number }>();

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  /** `what` (e.g. "heartbeat of worker w1") failed with `error`. */
  failed(what: string, error: unknown): void {
    const message = errorMessage(error);
    const now = Date.now();
    const last = this.#failing.get(what);
    if (last && last.message === message && now - last.at < REPEAT_AFTER_MS) {
      last.repeats += 1;
      return;
    }
    const repeats = last && last.message === message && last.repeats > 0 ? ` (${last.repeats + 1} times in the last ${Math.round((now - last.at) / 1000)} s)` : '';
    this.#failing.set(what, { message, at: now, repeats: 0 });
    this.#log(`kingly worker: ${what} failed: ${message}${repeats}`);
  }

  /** `what` worked: says so if it was failing. */
  worked(what: string): void {
    if (this.#failing.delete(what)) this.#log(`kingly worker: ${what} works again`);
  }

  /** Stops tracking `what` without a word (the job it was about has ended). */
  forget(what: string): void {
    this.#failing.delete(what);
  }
}

/** The one-line message of anything thrown (with the causes of an aborted MULTI: EXECABORT alone says nothing). */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message || error.name;
  const previous = (error as Error & { previousErrors?: unknown }).previousErrors;
  if (!Array.isArray(previous) || previous.length === 0) return message;
  return `${message} (${[...new Set(previous.map((e) => errorMessage(e)))].join('; ')})`;
}

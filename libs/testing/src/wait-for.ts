export interface WaitForOptions {
  /** Give up after this many ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Check this often. @default 25 */
  readonly intervalMs?: number;
  /** What never became true; the error says it. */
  readonly message: string;
}

/**
 * Polls `check` until it returns a truthy value (returned) or the time is up (throws with
 * `message`). The only way tests synchronise with something asynchronous.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitForOptions): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs}ms: ${options.message}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}

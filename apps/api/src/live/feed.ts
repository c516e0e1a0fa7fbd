export type FeedListener<T> = (value: T) => void;

/**
 * A source that runs only while someone listens: `start()` on the first subscriber, `stop()`
 * after the last one leaves. Starts and stops run one after another, never overlapping.
 */
export abstract class Feed<T> {
  readonly #listeners = new Set<FeedListener<T>>();
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: FeedListener<T>): () => void {
    if (this.#closed)
      return () => {
        /* a closed feed has no listeners to remove */
      };
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#serial(() => this.start());
    this.greet(listener);
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#serial(() => this.stop());
    };
  }

  get listening(): number {
    return this.#listeners.size;
  }

  /** Stops for good. */
  async close(): Promise<void> {
    this.#closed = true;
    const had = this.#listeners.size > 0;
    this.#listeners.clear();
    if (had) this.#serial(() => this.stop());
    await this.#chain;
  }

  protected emit(value: T): void {
    for (const listener of this.#listeners) listener(value);
  }

  /** Called for each new listener (to hand it the current value). */
  protected greet(_listener: FeedListener<T>): void {
    /* by default a new listener waits for the next value */
  }

  protected abstract start(): Promise<void>;
  protected abstract stop(): Promise<void>;

  #serial(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch(() => {
      /* a failed step must not stop the ones after it; each step reports its own errors to its listeners */
    });
  }
}
